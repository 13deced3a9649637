"""Faults to inject while customers talk: the broker, the database and Redis killed,
restarted, disconnected or slowed, and services killed or stopped mid-turn.

Each server fault puts the server back as it found it (running, same settings). The services
reach RabbitMQ, PostgreSQL and Redis through TCP proxies (`tcp_proxy.py`), so a link can be cut,
stalled or slowed without touching the servers.
"""

import asyncio
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.infra import wait_until

if TYPE_CHECKING:
    from tests.chaos.stack import ChaosStack

Action = Callable[["ChaosStack"], Awaitable[None]]
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


@dataclass(frozen=True)
class Fault:
    """Something that breaks, then is put right."""

    name: str
    inject: Action
    recover: Action
    lasts: float = 0.0


def run(*command: str, check: bool = True, timeout: float = 120) -> str:
    """Run a command on this machine (the servers run here)."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr or done.stdout}")
    return done.stdout


async def in_thread(*command: str, check: bool = True) -> str:
    """`run` without blocking the event loop."""
    return await asyncio.to_thread(run, *command, check=check)


def rabbitmqctl(*args: str, check: bool = True) -> str:
    """rabbitmqctl, wherever it is installed."""
    binary = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return run(binary, *args, check=check)


async def port_open(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


async def kill_rabbitmq(_: "ChaosStack") -> None:
    """SIGKILL the broker (every Erlang VM it runs in)."""
    await in_thread("pkill", "-9", "-f", "beam.smp", check=False)
    await wait_until(lambda: _closed(5672), timeout=30)


async def start_rabbitmq(_: "ChaosStack") -> None:
    """Start the broker and wait until it serves."""
    server = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"
    await in_thread(server, "-detached")
    await wait_until(lambda: port_open(5672), timeout=120, interval=0.5)
    await asyncio.to_thread(rabbitmqctl, "await_startup")


async def _closed(port: int) -> bool:
    return not await port_open(port)


async def close_connections(_: "ChaosStack") -> None:
    """Drop every client connection at the broker."""
    await asyncio.to_thread(rabbitmqctl, "close_all_connections", "chaos test")


async def nothing(_: "ChaosStack") -> None:
    """No recovery needed."""


def watermark() -> str:
    """The broker's memory high watermark as configured now."""
    value = rabbitmqctl("eval", "vm_memory_monitor:get_vm_memory_high_watermark().").strip()
    return value if value and value[0].isdigit() else "0.4"


async def memory_alarm(stack: "ChaosStack") -> None:
    """Raise the broker's memory alarm: publishers are blocked."""
    stack.saved["watermark"] = await asyncio.to_thread(watermark)
    await asyncio.to_thread(rabbitmqctl, "set_vm_memory_high_watermark", "0.0000001")


async def clear_memory_alarm(stack: "ChaosStack") -> None:
    """Put the watermark back."""
    await asyncio.to_thread(
        rabbitmqctl, "set_vm_memory_high_watermark", stack.saved.pop("watermark", "0.4")
    )


async def restart_postgres(_: "ChaosStack") -> None:
    """A fast restart of the PostgreSQL cluster (every connection dropped)."""
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    await in_thread(
        "pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"
    )
    await wait_until(lambda: port_open(5432), timeout=60, interval=0.2)


async def restart_redis(_: "ChaosStack") -> None:
    """Restart Redis, which keeps nothing on disk: every key is gone."""
    await in_thread("redis-cli", "shutdown", "nosave", check=False)
    await wait_until(lambda: _closed(6379), timeout=30)
    await in_thread(*REDIS_START)
    await wait_until(lambda: port_open(6379), timeout=30, interval=0.2)


def kill_service(name: str) -> Action:
    """SIGKILL one service's process."""

    async def kill(stack: "ChaosStack") -> None:
        await asyncio.to_thread(stack.services[name].kill)

    return kill


def stop_service(name: str) -> Action:
    """SIGTERM one service (graceful shutdown)."""

    async def stop(stack: "ChaosStack") -> None:
        await asyncio.to_thread(stack.services[name].terminate)

    return stop


def restart_service(name: str) -> Action:
    """Start the service again on its port."""

    async def restart(stack: "ChaosStack") -> None:
        await stack.restart(name)

    return restart


def link(server: str, how: str, arg: float = 0.0) -> Action:
    """Cut, stall or slow the link between the services and a server."""

    async def hurt(stack: "ChaosStack") -> None:
        proxy = stack.proxies[server]
        if how == "cut":
            proxy.cut()
        elif how == "stall":
            proxy.stall()
        else:
            proxy.delay(arg)

    return hurt


def heal(server: str) -> Action:
    """Let the link carry traffic normally again."""

    async def healed(stack: "ChaosStack") -> None:
        stack.proxies[server].heal()

    return healed


SERVICE_NAMES = ("gateway", "orchestrator", "retrieval", "memory", "escalation", "audit")
FAULTS: tuple[Fault, ...] = (
    Fault("rabbitmq kill -9, restart", kill_rabbitmq, start_rabbitmq),
    Fault("rabbitmq close_all_connections", close_connections, nothing),
    Fault("rabbitmq memory alarm", memory_alarm, clear_memory_alarm, lasts=5),
    *(
        Fault(f"{name} SIGKILL, restart", kill_service(name), restart_service(name))
        for name in SERVICE_NAMES
    ),
    *(
        Fault(f"{name} SIGTERM, restart", stop_service(name), restart_service(name))
        for name in SERVICE_NAMES
    ),
    Fault("postgresql restart", restart_postgres, nothing),
    Fault("redis restart", restart_redis, nothing),
    *(
        fault
        for server in ("rabbitmq", "postgresql", "redis")
        for fault in (
            Fault(f"{server} link cut 5 s", link(server, "cut"), heal(server), lasts=5),
            Fault(f"{server} link stalled 10 s", link(server, "stall"), heal(server), lasts=10),
            Fault(
                f"{server} link 200 ms slower", link(server, "delay", 0.2), heal(server), lasts=10
            ),
        )
    ),
)
SHORT = tuple(
    f
    for f in FAULTS
    if f.name
    in {
        "rabbitmq kill -9, restart",
        "rabbitmq close_all_connections",
        "orchestrator SIGKILL, restart",
        "gateway SIGKILL, restart",
        "postgresql restart",
        "redis restart",
        "postgresql link stalled 10 s",
        "rabbitmq link cut 5 s",
    }
)
