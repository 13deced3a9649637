"""How long SIGTERM takes to stop each service, idle and with a slow message in flight.

    uv run python -m bench.graceful_shutdown [--paragraphs 150]

Starts every service on an isolated vhost and database, stops each idle one with SIGTERM and
times it until the process exits (and checks it exits 0). Then starts a retrieval service
again, publishes one long document for indexing, sends SIGTERM as soon as it is being indexed,
and reports how long the shutdown waited for it; the figure to compare is how long indexing the
same document takes undisturbed (measured first, on the same process).
"""

import argparse
import asyncio
import base64
import signal
import time
import uuid
from pathlib import Path
from tempfile import mkdtemp

import aio_pika
import asyncpg

from bench.stack import isolated_stack
from contracts import DocumentIngestRequested
from support_core.messaging.topology import EVENTS
from tests.support.infra import RunInfra, wait_until
from tests.support.servers import SERVICES, ServiceProcess

QUEUE = "retrieval.document.ingest.requested"


def document(paragraphs: int) -> DocumentIngestRequested:
    """A plain-text document that takes a while to embed."""
    text = "\n\n".join(
        f"Policy {i}. Item {i} may be returned within {i % 30 + 1} days; the refund for order "
        f"{i} reaches the card used within {i % 7 + 2} business days."
        for i in range(paragraphs)
    )
    return DocumentIngestRequested(
        tenant_id="bench",
        document_id=f"doc-{uuid.uuid4().hex[:8]}",
        title="Returns",
        content_type="text/plain",
        content_b64=base64.b64encode(text.encode()).decode(),
    )


async def stop(process: ServiceProcess) -> tuple[float, int | None]:
    """SIGTERM; seconds until the process exited, and its exit code."""
    started = time.monotonic()
    process.process.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(process.process.wait, 120)
    return time.monotonic() - started, code


async def indexed(infra: RunInfra, document_id: str) -> bool:
    conn = await asyncpg.connect(infra.database_url.replace("+asyncpg", ""))
    try:
        status = await conn.fetchval(
            "SELECT status FROM retrieval.documents WHERE document_id = $1", document_id
        )
    finally:
        await conn.close()
    return status == "indexed"


async def in_flight(paragraphs: int) -> tuple[float, float, int | None]:
    """Undisturbed indexing time, then shutdown time with the same document in flight."""
    qdrant = str(Path(mkdtemp(prefix="bench-qdrant-")))
    async with isolated_stack(("retrieval",), QDRANT_PATH=qdrant) as (infra, running):
        async with await aio_pika.connect(infra.rabbitmq_url) as connection:
            exchange = await (await connection.channel()).get_exchange(EVENTS.name)

            async def publish(event: DocumentIngestRequested) -> None:
                body = aio_pika.Message(event.model_dump_json().encode())
                await exchange.publish(body, routing_key=event.event_type)

            alone = document(paragraphs)
            started = time.monotonic()
            await publish(alone)
            await wait_until(lambda: indexed(infra, alone.document_id), timeout=300)
            undisturbed = time.monotonic() - started

            interrupted = document(paragraphs)
            await publish(interrupted)
            channel = await connection.channel()

            async def taken() -> bool:
                queue = await channel.declare_queue(QUEUE, passive=True)
                return queue.declaration_result.message_count == 0

            await wait_until(taken, timeout=60)
            seconds, code = await stop(running["retrieval"])
            assert await indexed(infra, interrupted.document_id), "in-flight document lost"
    return undisturbed, seconds, code


async def main(paragraphs: int) -> None:
    async with isolated_stack(QDRANT_PATH=str(Path(mkdtemp(prefix="bench-qdrant-")))) as (
        _,
        running,
    ):
        print("idle service     SIGTERM -> exit   exit code")
        for name in SERVICES:
            seconds, code = await stop(running[name])
            print(f"{name:<16} {seconds:>12.2f} s   {code:>9}")
    undisturbed, seconds, code = await in_flight(paragraphs)
    print(f"\nretrieval, a {paragraphs}-paragraph document indexing:")
    print(f"  indexing it undisturbed            {undisturbed:6.2f} s")
    print(f"  SIGTERM -> exit with it in flight  {seconds:6.2f} s (exit code {code}, indexed)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=150)
    asyncio.run(main(parser.parse_args().paragraphs))
