"""WebSocket load through the gateway: frames/s and turn latency at 100 and 500 concurrent
connections, ping round trips (the gateway alone), and memory per idle connection.

    uv run python -m bench.ws_load                      # starts an isolated stack
    uv run python -m bench.ws_load --levels 100 500 --turns 2 --idle 1000

Every connection is its own session. A turn is timed from sending `user_message` to receiving
`answer_completed`; frames/s counts every server frame received during the turns phase.
"""

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

from bench.cpu import CpuMeter
from bench.stack import isolated_stack
from bench.stats import summarise
from tests.support.client import ChatSession, create_session

QUESTIONS = (
    "How do I report a lost card?",
    "What is the fee for an international transfer?",
    "Can I change the address on my account?",
    "Why was my payment declined?",
)
# The benchmark opens far more sessions and sockets than the default per-tenant limits allow.
UNLIMITED = {
    "GATEWAY_SESSION_RATE": "1000000/minute",
    "GATEWAY_MESSAGE_RATE": "1000000/minute",
    "GATEWAY_MAX_SOCKETS_PER_TENANT": "1000000",
}
OPENING_AT_ONCE = 50
RECEIVE_TIMEOUT_S = 300


@dataclass
class Counts:
    """What the clients of one phase measured."""

    latencies: list[float] = field(default_factory=list)
    frames: int = 0


async def open_sessions(gateway: str, count: int) -> list[ChatSession]:
    """`count` sessions, created a few at a time."""
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def one() -> ChatSession:
        async with gate:
            return await create_session(gateway)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def connect_all(sessions: list[ChatSession]) -> list[Any]:
    """An open socket per session, opened a few at a time."""
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def one(session: ChatSession) -> Any:
        async with gate:
            return await websockets.connect(session.url(), open_timeout=60, max_size=1 << 22)

    return list(await asyncio.gather(*(one(s) for s in sessions)))


async def chat(ws: Any, turns: int, counts: Counts, start: asyncio.Event) -> None:
    """`turns` sequential turns on one socket."""
    await start.wait()
    for i in range(turns):
        started = time.perf_counter()
        message = {"type": "user_message", "client_message_id": uuid.uuid4().hex}
        await ws.send(json.dumps(message | {"text": QUESTIONS[i % len(QUESTIONS)]}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT_S))
            counts.frames += 1
            if frame["type"] == "answer_completed":
                break
        counts.latencies.append(time.perf_counter() - started)


async def ping(ws: Any, pings: int, counts: Counts) -> None:
    """`pings` sequential ping → pong round trips (no other service is involved)."""
    for _ in range(pings):
        started = time.perf_counter()
        await ws.send('{"type":"ping"}')
        while json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT_S))["type"] != "pong":
            pass
        counts.latencies.append(time.perf_counter() - started)


async def level(
    gateway: str, connections: int, turns: int, pings: int, pids: dict[str, int]
) -> list[str]:
    """Turns, then pings, with `connections` sockets open at once."""
    sockets = await connect_all(await open_sessions(gateway, connections))
    try:
        turns_counts, start = Counts(), asyncio.Event()
        tasks = [asyncio.create_task(chat(ws, turns, turns_counts, start)) for ws in sockets]
        meter = CpuMeter(pids)
        meter.mark()
        started = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        turns_wall = time.perf_counter() - started
        used = meter.since()

        ping_counts = Counts()
        started = time.perf_counter()
        await asyncio.gather(*(ping(ws, pings, ping_counts) for ws in sockets))
        ping_wall = time.perf_counter() - started
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    frames = f"frames received, {connections} sockets"
    done = len(turns_counts.latencies)
    cpu = ", ".join(f"{name} {seconds * 1000 / done:.1f}" for name, seconds in used.items())
    return [
        summarise(f"turns, {connections} sockets", turns_counts.latencies, turns_wall).row(),
        f"{frames:<34} n={turns_counts.frames:<6} {turns_counts.frames / turns_wall:8.1f} frames/s",
        summarise(f"ping→pong, {connections} sockets", ping_counts.latencies, ping_wall).row(),
        *([f"CPU ms per turn: {cpu}"] if pids else []),
    ]


def rss_kib(pid: int) -> int:
    """Resident memory of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def idle_memory(gateway: str, pid: int, count: int) -> tuple[float, int, int]:
    """RSS growth of the gateway per idle socket: (KiB per socket, before, after)."""
    sessions = await open_sessions(gateway, count)
    await asyncio.sleep(2)
    before = rss_kib(pid)
    sockets = await connect_all(sessions)
    try:
        await asyncio.sleep(3)
        after = rss_kib(pid)
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return (after - before) / count, before, after


async def run(gateway: str, pids: dict[str, int], args: argparse.Namespace) -> None:
    """Warm up, idle memory on the fresh gateway (needs its pid), then each load level."""
    await level(gateway, 8, 2, 2, {})
    if "gateway" in pids and args.idle:
        per_socket, before, after = await idle_memory(gateway, pids["gateway"], args.idle)
        print(
            f"idle sockets: {args.idle}, gateway RSS {before / 1024:.1f} → {after / 1024:.1f} MiB,"
            f" {per_socket:.1f} KiB per idle connection",
            flush=True,
        )
    for connections in args.levels:
        for line in await level(gateway, connections, args.turns, args.pings, pids):
            print(line, flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateway", help="base URL of a running gateway (default: start a stack)")
    parser.add_argument("--gateway-pid", type=int, help="its pid, for the memory measurement")
    parser.add_argument("--levels", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--turns", type=int, default=2, help="turns per connection")
    parser.add_argument("--pings", type=int, default=10, help="pings per connection")
    parser.add_argument("--idle", type=int, default=1000, help="idle sockets for memory")
    args = parser.parse_args()
    if args.gateway:
        await run(args.gateway, {"gateway": args.gateway_pid} if args.gateway_pid else {}, args)
        return
    async with isolated_stack(**UNLIMITED) as (_, services):
        pids = {name: process.process.pid for name, process in services.items()}
        await run(services["gateway"].base_url, pids, args)


if __name__ == "__main__":
    asyncio.run(main())
