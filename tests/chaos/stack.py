"""The platform as faults see it: every service a process of its own, reaching RabbitMQ,
PostgreSQL and Redis through TCP proxies (or directly, for a run that cuts no link); a service
restarts on the same port."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.infra import RunInfra, isolated
from tests.support.servers import SERVICES, ServiceProcess, start_service, wait_ready
from tests.support.tcp_proxy import TcpProxy

SERVER_PORTS = {"rabbitmq": 5672, "postgresql": 5432, "redis": 6379}
CHAOS_ENV = {
    "GATEWAY_MESSAGE_RATE": "10000/minute",
    "GATEWAY_TURN_DEADLINE_SECONDS": "30",
    "TELEMETRY_LOG_LEVEL": "INFO",
}


@dataclass
class ChaosStack:
    """Running services, the proxies in front of the servers, and what faults saved."""

    infra: RunInfra
    log_dir: Path
    proxies: dict[str, TcpProxy]
    extra_env: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    saved: dict[str, str] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        """The gateway customers talk to."""
        return self.services["gateway"].base_url

    def env(self) -> dict[str, str]:
        """The run's settings, with every server reached through its proxy."""
        env = self.infra.env()
        for server, port in SERVER_PORTS.items():
            if server not in self.proxies:
                continue
            proxied = f"127.0.0.1:{self.proxies[server].port}"
            for key in ("RABBITMQ_URL", "DATABASE_URL", "REDIS_URL"):
                env[key] = env[key].replace(f"127.0.0.1:{port}", proxied)
        return env | CHAOS_ENV | {"QDRANT_PATH": str(self.log_dir / "qdrant")} | self.extra_env

    def start(
        self, name: str, port: int | None = None, *, key: str | None = None
    ) -> ServiceProcess:
        """Start one service, known as `key` (another replica of it needs a key of its own)."""
        self.services[key or name] = start_service(name, self.env(), self.log_dir, port=port)
        return self.services[key or name]

    async def restart(self, key: str) -> None:
        """Start a stopped (or killed) service again on its port and wait until it is ready."""
        old = self.services[key]
        await asyncio.to_thread(old.kill)
        await wait_ready(self.start(old.name, old.port, key=key).base_url, timeout=120)

    def logs(self) -> str:
        """Everything the services wrote."""
        return "\n".join(path.read_text(errors="replace") for path in self.log_dir.glob("*.log"))


def stop(process: ServiceProcess) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time."""
    with contextlib.suppress(Exception):
        process.terminate(timeout=20)
    process.kill()


@contextlib.asynccontextmanager
async def chaos_stack(
    log_dir: Path, *, start: tuple[str, ...] = SERVICES, proxied: bool = True, **env: str
) -> AsyncIterator[ChaosStack]:
    """A private vhost, database and Redis prefix; proxies unless `proxied` is False (the
    proxies run in the test's own event loop, so every byte of every service crosses it); the
    services in `start`."""
    async with isolated() as infra:
        ports = SERVER_PORTS if proxied else {}
        proxies = {server: TcpProxy("127.0.0.1", port) for server, port in ports.items()}
        for proxy in proxies.values():
            await proxy.start()
        stack = ChaosStack(infra, log_dir, proxies, env)
        try:
            for name in start:
                stack.start(name)
            await asyncio.gather(
                *(wait_ready(p.base_url, timeout=120) for p in stack.services.values())
            )
            yield stack
        finally:
            # Not blocking the loop: the services shut down through the proxies it runs.
            await asyncio.gather(
                *(asyncio.to_thread(stop, process) for process in stack.services.values())
            )
            for proxy in proxies.values():
                await proxy.stop()
