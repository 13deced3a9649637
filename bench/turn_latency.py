"""Turn latency through the gateway's WebSocket with real retrieval, next to the raw broker
floor from the same run.

    uv run python -m bench.turn_latency                 # isolated stack, tau2 knowledge base
    uv run python -m bench.turn_latency --kb ''         # the same without a knowledge base
    uv run python -m bench.turn_latency --gateway http://127.0.0.1:8000 --amqp amqp://...
    uv run python -m bench.turn_latency --cpu           # and CPU ms per turn of every process
    uv run python -m bench.turn_latency --replicas 2    # two gateways and two orchestrators

A turn is timed from sending `user_message` to receiving `answer_completed`. Its pipeline
overhead is that time minus the retrieval tool call and the generation step, as the
orchestrator reports them in `turn.completed`: what the platform itself adds (broker hops,
state, memory, the escalation check, frames). Customers ask distinct questions about the
knowledge base's topics, so that the retrieval cache does not answer for the pipeline.
"""

import argparse
import asyncio
import itertools
import json
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import websockets

from bench.broker_floor import request_reply_floor
from bench.cpu import CpuMeter, per_turn_row
from bench.stack import ingest, isolated_stack
from bench.stats import Summary, summarise
from tests.support.client import create_session

LEVELS = (1, 16, 64)
DEFAULT_KB = "../shared/datasets/tau2_banking/documents.jsonl"
FALLBACK_QUESTIONS = (
    "How do I report a lost card?",
    "What is the fee for an international transfer?",
    "Can I change the address on my account?",
    "Why was my payment declined?",
)
TEMPLATES = (
    "How does {} work?",
    "Can you tell me about {}?",
    "I have a question about {}.",
    "What do I need to know about {}?",
)


def questions(documents: Path | None) -> list[str]:
    """Distinct customer questions, one per template and document title, so that no cache
    answers them: the knowledge base's own topics, in a fixed shuffled order."""
    if documents is None:
        return list(FALLBACK_QUESTIONS)
    titles = [json.loads(line)["title"] for line in documents.open() if line.strip()]
    # "Gold Plus Saver Account: Withdrawal Limits" reads as two sentences in a question.
    topics = [title.removeprefix("Internal: ").replace(":", "").lower() for title in titles]
    asked = [template.format(topic) for template in TEMPLATES for topic in topics]
    random.Random(7).shuffle(asked)
    return asked


@dataclass
class Turns:
    """Client-side latencies by turn id, and the orchestrator's own report of each turn."""

    latencies: dict[str, float]
    reports: dict[str, dict[str, float]]
    refused: int = 0

    def degraded(self) -> int:
        """Measured turns that went on without a step (a timeout, an open circuit)."""
        return sum(int(self.reports[t]["degraded"]) for t in self.latencies if t in self.reports)

    def overheads(self) -> list[float]:
        """Seconds of each reported turn spent outside retrieval and generation."""
        return [
            latency - self.reports[turn_id]["retrieval"] - self.reports[turn_id]["generate"]
            for turn_id, latency in self.latencies.items()
            if turn_id in self.reports
        ]


def steps(measured: Turns) -> str:
    """Median milliseconds of each pipeline step and tool call of the measured turns."""
    reports = [measured.reports[t] for t in measured.latencies if t in measured.reports]
    names = sorted({name for report in reports for name in report if " " in name})
    return ", ".join(
        f"{name} {statistics.median(r[name] for r in reports if name in r) * 1000:.1f}"
        for name in names
    )


async def session_worker(gateway: str, turns: int, measured: Turns, asked: Iterator[str]) -> None:
    """One customer: a session with `turns` sequential messages; a message refused as `busy` is
    sent again after its `retry_after`, and its turn is timed from the send that was taken."""
    session = await create_session(gateway)
    async with websockets.connect(session.url(), open_timeout=30, max_size=1 << 22) as ws:
        for _ in range(turns):
            frame = {"type": "user_message", "client_message_id": uuid.uuid4().hex}
            frame["text"] = next(asked)
            started = time.perf_counter()
            await ws.send(json.dumps(frame))
            while (reply := json.loads(await ws.recv()))["type"] != "answer_completed":
                if reply["type"] == "error" and reply["code"] == "busy":
                    measured.refused += 1
                    await asyncio.sleep(reply["retry_after"])
                    started = time.perf_counter()
                    await ws.send(json.dumps(frame))
                elif reply["type"] == "error":
                    raise RuntimeError(f"the gateway refused a message: {reply}")
            measured.latencies[reply["turn_id"]] = time.perf_counter() - started


async def turns_at(
    gateways: list[str], sessions: int, per_session: int, measured: Turns, asked: Iterator[str]
) -> Summary:
    """Turn latency and throughput with `sessions` customers chatting at once, spread over the
    gateway instances."""
    started = time.perf_counter()
    await asyncio.gather(
        *(
            session_worker(gateways[n % len(gateways)], per_session, measured, asked)
            for n in range(sessions)
        )
    )
    return summarise(
        f"turns, {sessions} concurrent sessions",
        list(measured.latencies.values()),
        time.perf_counter() - started,
    )


async def listen_to_turns(
    amqp: str, reports: dict[str, dict[str, float]]
) -> aio_pika.abc.AbstractRobustConnection:
    """Record each `turn.completed`'s retrieval and generation time (seconds) by turn id."""
    connection = await aio_pika.connect_robust(amqp)
    channel = await connection.channel()
    events = await channel.get_exchange("support.events")
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(events, "turn.completed")

    async def on_turn(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            turn = json.loads(message.body)
            retrieval = [c for c in turn["tools_called"] if c["name"] == "retrieval"]
            reports[turn["correlation_id"]] = (
                {
                    "retrieval": retrieval[0]["duration_ms"] / 1000 if retrieval else 0.0,
                    "generate": turn["timings_ms"].get("generate", 0.0) / 1000,
                    "degraded": float(bool(turn["degraded"])),
                }
                | {f"step {k}": v / 1000 for k, v in turn["timings_ms"].items()}
                | {f"tool {c['name']}": c["duration_ms"] / 1000 for c in turn["tools_called"]}
            )

    await queue.consume(on_turn)
    return connection


async def run(
    gateways: list[str],
    amqp: str,
    turns: int,
    asked: Iterator[str],
    levels: list[int],
    cpu: CpuMeter | None = None,
) -> list[Summary]:
    """Warm up, then measure each concurrency level for turns, overhead, CPU and the floor."""
    reports: dict[str, dict[str, float]] = {}
    listener = await listen_to_turns(amqp, reports)
    results = []
    try:
        await turns_at(gateways, 4, 5, Turns({}, reports), asked)
        for level in levels:
            per_session = max(5, turns // level)
            measured = Turns({}, reports)
            if cpu:
                cpu.mark()
            summary = await turns_at(gateways, level, per_session, measured, asked)
            if cpu:
                print(per_turn_row(f"{level} sessions", cpu.since(), summary.count), flush=True)
            await asyncio.sleep(1)  # the last turns' reports
            overhead = summarise(
                f"  pipeline overhead, {level} sessions",
                measured.overheads(),
                summary.count / summary.per_second,
            )
            floor = await request_reply_floor(amqp, concurrency=level, requests=level * per_session)
            results += [summary, overhead, floor]
            print(f"{level} sessions, median ms of each step and tool call:", steps(measured))
            print(
                f"{level} sessions: {measured.refused} messages refused as busy, "
                f"{measured.degraded()} turns degraded",
                flush=True,
            )
    finally:
        await listener.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateway", help="base URL of a running gateway (default: start a stack)")
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--turns", type=int, default=640, help="turns per concurrency level")
    parser.add_argument(
        "--levels", type=int, nargs="+", default=list(LEVELS), help="concurrent sessions"
    )
    parser.add_argument(
        "--kb",
        default=DEFAULT_KB,
        help="JSONL knowledge base to ingest first and ask about ('' for none)",
    )
    parser.add_argument(
        "--asked-about",
        default=DEFAULT_KB,
        help="with --gateway: the JSONL knowledge base the running stack holds ('' for none)",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="print CPU ms per turn of each service, RabbitMQ, PostgreSQL and Redis (/proc)",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="gateway and orchestrator processes each in the stack it starts",
    )
    args = parser.parse_args()
    if args.cpu and args.gateway:
        parser.error("--cpu measures the processes of a stack it starts: leave out --gateway")
    if args.gateway:
        asked = itertools.cycle(questions(Path(args.asked_about) if args.asked_about else None))
        results = await run([args.gateway], args.amqp, args.turns, asked, args.levels)
    else:
        # One customer sends hundreds of messages a minute here: lift the per-session limit.
        async with isolated_stack(replicas=args.replicas, GATEWAY_MESSAGE_RATE="100000/minute") as (
            infra,
            services,
        ):
            gateways = [p.base_url for p in services.values() if p.name == "gateway"]
            if args.kb:
                await ingest(gateways[0], Path(args.kb))
            asked = itertools.cycle(questions(Path(args.kb) if args.kb else None))
            pids = {name: process.process.pid for name, process in services.items()}
            cpu = CpuMeter.of(pids) if args.cpu else None
            results = await run(gateways, infra.rabbitmq_url, args.turns, asked, args.levels, cpu)
    for summary in results:
        print(summary.row())


if __name__ == "__main__":
    asyncio.run(main())
