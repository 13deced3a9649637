"""Write the gateway's OpenAPI document: `uv run python -m gateway.openapi docs/openapi.json`."""

import json
import sys
from pathlib import Path

from fastapi import FastAPI

from gateway.app import create_app


def render(app: FastAPI) -> str:
    """The document as committed: indented JSON with a final newline."""
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    """Write the document to the path given (or to stdout)."""
    text = render(create_app())
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
