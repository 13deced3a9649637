"""Turn latency through the gateway's WebSocket, next to the raw broker floor from the same run.

    uv run python -m bench.turn_latency                 # starts an isolated stack
    uv run python -m bench.turn_latency --gateway http://127.0.0.1:8000 --amqp amqp://...

A turn is timed from sending `user_message` to receiving `answer_completed`.
"""

import argparse
import asyncio
import json
import time
import uuid

import websockets

from bench.broker_floor import request_reply_floor
from bench.stack import isolated_stack
from bench.stats import Summary, summarise
from tests.support.client import create_session

LEVELS = (1, 16, 64)
QUESTIONS = (
    "How do I report a lost card?",
    "What is the fee for an international transfer?",
    "Can I change the address on my account?",
    "Why was my payment declined?",
)


async def session_worker(gateway: str, turns: int, latencies: list[float]) -> None:
    """One customer: a session with `turns` sequential messages."""
    session = await create_session(gateway)
    async with websockets.connect(session.url(), open_timeout=30, max_size=1 << 22) as ws:
        for i in range(turns):
            started = time.perf_counter()
            await ws.send(
                json.dumps(
                    {
                        "type": "user_message",
                        "client_message_id": uuid.uuid4().hex,
                        "text": QUESTIONS[i % len(QUESTIONS)],
                    }
                )
            )
            while json.loads(await ws.recv())["type"] != "answer_completed":
                pass
            latencies.append(time.perf_counter() - started)


async def turns_at(gateway: str, sessions: int, turns_per_session: int) -> Summary:
    """Turn latency and throughput with `sessions` customers chatting at once."""
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(session_worker(gateway, turns_per_session, latencies) for _ in range(sessions))
    )
    return summarise(
        f"turns, {sessions} concurrent sessions", latencies, time.perf_counter() - started
    )


async def run(gateway: str, amqp: str, turns: int) -> list[Summary]:
    """Warm up, then measure each concurrency level for turns and for the floor."""
    await turns_at(gateway, 4, 5)
    results = []
    for level in LEVELS:
        per_session = max(5, turns // level)
        results.append(await turns_at(gateway, level, per_session))
        results.append(
            await request_reply_floor(amqp, concurrency=level, requests=level * per_session)
        )
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateway", help="base URL of a running gateway (default: start a stack)")
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--turns", type=int, default=640, help="turns per concurrency level")
    args = parser.parse_args()
    if args.gateway:
        results = await run(args.gateway, args.amqp, args.turns)
    else:
        async with isolated_stack() as (infra, services):
            results = await run(services["gateway"].base_url, infra.rabbitmq_url, args.turns)
    for summary in results:
        print(summary.row())


if __name__ == "__main__":
    asyncio.run(main())
