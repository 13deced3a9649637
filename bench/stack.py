"""Start an isolated copy of the platform for a benchmark: private vhost, database, Redis prefix."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from tempfile import mkdtemp

import httpx

from support_core.runtime import ServiceRuntime
from support_core.settings import ServiceSettings
from tests.support.client import DEMO_KEY
from tests.support.infra import RunInfra
from tests.support.servers import SERVICES, ServiceProcess, start_service, wait_ready

REPLICABLE = ("gateway", "orchestrator")


@contextlib.asynccontextmanager
async def isolated_stack(
    services: tuple[str, ...] = SERVICES, *, replicas: int = 1, **env: str
) -> AsyncIterator[tuple[RunInfra, dict[str, ServiceProcess]]]:
    """Every service as its own process, the gateway and the orchestrator `replicas` times
    (`gateway-2`, …); everything is removed afterwards."""
    infra = RunInfra()
    await infra.create()
    log_dir = Path(mkdtemp(prefix="bench-logs-"))
    env = {"QDRANT_PATH": str(log_dir / "qdrant")} | env  # embedded Qdrant is single-process
    running: dict[str, ServiceProcess] = {}
    try:
        for name in services:
            copies = replicas if name in REPLICABLE else 1
            for n in range(1, copies + 1):
                key = name if n == 1 else f"{name}-{n}"
                running[key] = start_service(name, infra.env(), log_dir, **env)
        for process in running.values():
            await wait_ready(process.base_url, timeout=120)
        yield infra, running
    finally:
        for process in running.values():
            process.terminate()
        await infra.destroy()


def probe(infra: RunInfra) -> ServiceRuntime:
    """A runtime on the stack's resources that publishes and asks like a service would."""
    return ServiceRuntime(
        ServiceSettings(service_name="bench", **infra.settings()), instance_route=True
    )


async def ingest(gateway: str, documents: Path) -> None:
    """Upload a JSONL knowledge base with the demo key and wait until it is indexed."""
    started = time.perf_counter()
    lines = [line for line in documents.open() if line.strip()]
    async with httpx.AsyncClient(
        base_url=gateway, headers={"X-API-Key": DEMO_KEY}, timeout=120
    ) as http:
        for start in range(0, len(lines), 100):
            response = await http.post(
                "/v1/kb/documents:batch",
                content="".join(lines[start : start + 100]).encode(),
                headers={"Content-Type": "application/x-ndjson"},
            )
            response.raise_for_status()
        while True:
            queued = await http.get("/v1/kb/documents", params={"status": "queued", "limit": 1})
            if queued.json()["total"] == 0:
                break
            await asyncio.sleep(1)
    print(f"indexed {len(lines)} documents in {time.perf_counter() - started:.0f}s")
