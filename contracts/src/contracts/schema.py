"""Export JSON Schemas of every event and frame: `python -m contracts.schema DIR`."""

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from contracts.frames import ClientFrameUnion, ServerFrameUnion
from contracts.registry import REGISTRY


def all_schemas() -> dict[str, dict[str, Any]]:
    """Return file name → JSON Schema for every event and both frame directions."""
    schemas = {f"{key}.json": model.model_json_schema() for key, model in REGISTRY.items()}
    schemas["ws.client-frame.json"] = TypeAdapter(ClientFrameUnion).json_schema()
    schemas["ws.server-frame.json"] = TypeAdapter(ServerFrameUnion).json_schema()
    return schemas


def render(schema: dict[str, Any]) -> str:
    """Serialise a schema the way it is committed."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def export(directory: Path) -> list[Path]:
    """Write every schema into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = directory / name
        path.write_text(render(schema))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in export(Path(sys.argv[1] if len(sys.argv) > 1 else "contracts/schemas")):
        print(path)
