"""What the per-message middlewares cost: CPU per message published and consumed, with each.

    uv run python -m bench.middleware_cost [--messages 3000] [--rounds 3]

One process publishes to a queue it consumes itself (confirms on, 16 publishes in flight), on
the broker configuration the services use, with no middleware, with each of OpenTelemetry
(no exporter: spans unrecorded, as by default), Prometheus and the log context, and with all
three as the services run. The process's CPU time over the messages, publish and consume sides
together, is printed per message; the rounds alternate so the host's drift falls on every
variant alike. `RABBITMQ_URL` says which broker.
"""

import argparse
import asyncio
import logging
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import Channel, RabbitBroker, RabbitQueue
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from prometheus_client import CollectorRegistry

from support_core.messaging.broker import raw_body
from support_core.observability.context import LogContextMiddleware
from support_core.settings import RabbitSettings

BODY = b'{"text": "' + b"x" * 800 + b'"}'
HEADERS: dict[str, Any] = {"tenant_id": "bench", "session_id": "bench"}
IN_FLIGHT = 16
VARIANTS: dict[str, Callable[[], list[Any]]] = {
    "none": lambda: [],
    "opentelemetry": lambda: [
        RabbitTelemetryMiddleware(tracer_provider=TracerProvider(sampler=ALWAYS_OFF))
    ],
    "prometheus": lambda: [RabbitPrometheusMiddleware(registry=CollectorRegistry(), app_name="b")],
    "log context": lambda: [LogContextMiddleware],
}


def all_three() -> list[Any]:
    """The services' middlewares."""
    return [m for name, make in VARIANTS.items() if name != "none" for m in make()]


async def cpu_per_message(url: str, middlewares: list[Any], messages: int) -> float:
    """CPU milliseconds per message published and consumed by one broker."""
    broker = RabbitBroker(
        url,
        default_channel=Channel(prefetch_count=32, publisher_confirms=True),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        apply_types=False,
        decoder=raw_body,
        logger=logging.getLogger("bench.broker"),
        log_level=logging.DEBUG,
        middlewares=middlewares,
    )
    queue = RabbitQueue(f"bench.middleware.{uuid.uuid4().hex}", auto_delete=True)
    consumed = 0
    all_consumed = asyncio.Event()

    @broker.subscriber(queue)
    async def count(_: bytes) -> None:
        nonlocal consumed
        consumed += 1
        if consumed == messages:
            all_consumed.set()

    slots = asyncio.Semaphore(IN_FLIGHT)

    async def publish() -> None:
        async with slots:
            await broker.publish(BODY, queue=queue, headers=HEADERS, correlation_id="bench")

    await broker.start()
    try:
        await asyncio.gather(*(publish() for _ in range(200)))  # warm-up
        while consumed < 200:
            await asyncio.sleep(0.01)
        consumed = 0
        started = time.process_time()
        await asyncio.gather(*(publish() for _ in range(messages)))
        await all_consumed.wait()
        return (time.process_time() - started) / messages * 1000
    finally:
        await broker.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = RabbitSettings().url.get_secret_value()
    makers = VARIANTS | {"all three": all_three}
    measured: dict[str, list[float]] = {name: [] for name in makers}
    for _ in range(args.rounds):
        for name, make in makers.items():
            measured[name].append(await cpu_per_message(url, make(), args.messages))
    bare = statistics.median(measured["none"])
    print(f"{'middlewares':<14} CPU ms per message (median of {args.rounds})  over none")
    for name, runs in measured.items():
        median = statistics.median(runs)
        print(f"{name:<14} {median:>8.3f}  {median - bare:>+30.3f}")


if __name__ == "__main__":
    asyncio.run(main())
