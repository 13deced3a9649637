"""`support eval run` on the tau2 banking dev split, against an isolated copy of the platform.

    uv run python -m bench.assistant_eval [--dataset ../shared/datasets/tau2_banking]
                                          [--report eval-report] [--env KEY=VALUE ...]

Starts every service as its own process on a private vhost, database and Redis prefix,
ingests documents.jsonl (each line's `audience` marks the staff-only documents), then runs
`support eval run dev_tasks.jsonl` exactly as an operator would against their own
deployment; `--env` passes settings to the services (e.g. ORCHESTRATOR_GENERATOR=openai).
"""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bench.stack import ingest, isolated_stack


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", type=Path, default=Path("../shared/datasets/tau2_banking"))
    parser.add_argument("--report", type=Path, default=Path("eval-report"))
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the services")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.env)
    async with isolated_stack(**settings) as (infra, services):
        gateway = services["gateway"].base_url
        await ingest(gateway, args.dataset / "documents.jsonl")
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("support")),
            "eval",
            "run",
            str(args.dataset / "dev_tasks.jsonl"),
            "--tenant",
            "demo",
            "--gateway",
            gateway,
            "--report",
            str(args.report),
            env=os.environ | infra.env(),
        )
        await process.wait()


if __name__ == "__main__":
    asyncio.run(main())
