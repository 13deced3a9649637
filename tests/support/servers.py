"""Running services for tests: in this process (uvicorn task) or as real processes."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.infra import wait_until

SERVICES = ("gateway", "orchestrator", "retrieval", "memory", "escalation", "audit")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_ready(base_url: str, *, timeout: float = 60.0) -> None:
    """Wait until `/readyz` answers 200."""

    async def ready() -> bool:
        async with httpx.AsyncClient(timeout=2) as client:
            try:
                return (await client.get(f"{base_url}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

    await wait_until(ready, timeout=timeout, interval=0.2)


@contextlib.asynccontextmanager
async def serve_app(app: FastAPI) -> AsyncIterator[str]:
    """Serve an app on a free port in this event loop; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            ws="wsproto",
            ws_max_size=1 << 20,
            timeout_graceful_shutdown=3,
        )
    )
    task = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until(lambda: server.started or task.done(), timeout=60)
        if task.done():
            task.result()
            raise RuntimeError("server stopped during startup")
        yield base
    finally:
        server.should_exit = True
        await task


@dataclass
class ServiceProcess:
    """One service running as its own process."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        """HTTP base URL."""
        return f"http://127.0.0.1:{self.port}"

    def terminate(self, *, timeout: float = 30.0) -> int:
        """SIGTERM and wait; return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: the instance dies without any cleanup."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def start_service(
    name: str, env: dict[str, str], log_dir: Path, *, port: int | None = None, **extra_env: str
) -> ServiceProcess:
    """Start `python -m <name>` on `port` (a free one by default)."""
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", name],
            env=os.environ | env | {f"{name.upper()}_PORT": str(port)} | extra_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return ServiceProcess(name, port, process, log_path)
