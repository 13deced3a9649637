"""A retrieval service whose Qdrant is broken says so and answers at once instead of hanging.

Its own module: no healthy retrieval instance may share its queue while it runs.
"""

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import RetrievalCompleted, RetrievalRequested
from retrieval.app import create_app as create_retrieval
from retrieval.settings import RetrievalSettings
from support_core.runtime import ServiceRuntime
from support_core.settings import QdrantSettings, ServiceSettings
from tests.support.infra import RunInfra
from tests.support.servers import serve_app

pytestmark = pytest.mark.integration


async def test_a_broken_qdrant_fails_readiness_and_requests_fast(
    private_infra: RunInfra, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    hanging = await asyncio.get_running_loop().create_server(asyncio.Protocol, "127.0.0.1", 0)
    hanging_url = f"http://127.0.0.1:{hanging.sockets[0].getsockname()[1]}"
    broken = [
        QdrantSettings(path=not_a_folder),
        QdrantSettings(url="http://127.0.0.1:9", timeout=1.0),
        QdrantSettings(url=hanging_url, timeout=1.0),
    ]
    connections: dict[str, Any] = private_infra.settings()
    probe = ServiceRuntime(
        ServiceSettings(service_name="probe", **connections),
        instance_route=True,
    )
    await probe.start()
    try:
        for qdrant in broken:
            app = create_retrieval(RetrievalSettings(qdrant=qdrant, **connections))
            async with serve_app(app) as url, httpx.AsyncClient(base_url=url) as http:
                ready = await http.get("/readyz")
                assert ready.status_code == 503
                assert ready.json()["checks"]["qdrant"]["ok"] is False
                started = time.monotonic()
                reply = await probe.instance.request(
                    RetrievalRequested(tenant_id="demo", query="anything"),
                    RetrievalCompleted,
                    timeout=10,
                )
                assert reply.error and "knowledge base unavailable" in reply.error
                assert time.monotonic() - started < 2
    finally:
        await probe.stop()
        hanging.close()
