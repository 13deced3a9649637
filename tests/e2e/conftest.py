"""End-to-end tests: every service runs as its own process against the real infrastructure."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.support.infra import RunInfra, isolated, wait_until
from tests.support.servers import SERVICES, ServiceProcess, start_service, wait_ready

pytestmark = pytest.mark.e2e


@dataclass
class Stack:
    """The running services of this test run."""

    infra: RunInfra
    log_dir: Path
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        """Base URL of the first gateway."""
        return self.services["gateway"].base_url

    def trace_file(self, name: str) -> Path:
        """Spans exported by one service, one JSON object per line."""
        return self.log_dir / f"traces-{name}.jsonl"

    def spans(self) -> list[dict[str, Any]]:
        """Every span every service has exported so far."""
        spans = []
        for path in self.log_dir.glob("traces-*.jsonl"):
            spans += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return spans

    async def turns_completed(
        self, turn_ids: list[str], timeout: float = 30
    ) -> dict[str, dict[str, Any]]:
        """The audited `turn.completed` payloads of turns, once every one is recorded."""

        async def recorded() -> dict[str, dict[str, Any]] | None:
            conn = await asyncpg.connect(self.infra.database_url.replace("+asyncpg", ""))
            try:
                rows = await conn.fetch(
                    "SELECT turn_id, payload FROM audit.records "
                    "WHERE event_type = 'turn.completed' AND turn_id = ANY($1::text[])",
                    turn_ids,
                )
            finally:
                await conn.close()
            found = {row["turn_id"]: json.loads(row["payload"]) for row in rows}
            return found if len(found) == len(set(turn_ids)) else None

        found: dict[str, dict[str, Any]] = await wait_until(recorded, timeout=timeout, interval=0.2)
        return found

    def start(self, name: str, **extra_env: str) -> ServiceProcess:
        """Start one more process of a service."""
        return start_service(
            name,
            self.infra.env(),
            self.log_dir,
            TELEMETRY_EXPORTER="file",
            TELEMETRY_FILE_PATH=str(self.trace_file(f"{name}-{len(self.services)}")),
            QDRANT_PATH=str(self.log_dir / "qdrant"),
            **extra_env,
        )


@pytest.fixture(scope="session")
async def stack(log_dir: Path) -> AsyncIterator[Stack]:
    """All six services, started once for the e2e tests, with resources of their own."""
    async with isolated() as infra:
        running = Stack(infra, log_dir)
        try:
            for name in SERVICES:
                running.services[name] = running.start(name)
            for process in running.services.values():
                await wait_ready(process.base_url, timeout=90)
            yield running
        finally:
            for process in running.services.values():
                process.terminate()
