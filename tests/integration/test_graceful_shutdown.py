"""SIGTERM: a service stops taking messages, finishes and acks the one in flight, exits 0."""

import asyncio
import base64
import signal
import time
import uuid
from pathlib import Path

import aio_pika
import asyncpg

from contracts import DocumentIngestRequested
from support_core.messaging.topology import EVENTS
from tests.support.infra import RunInfra, wait_until
from tests.support.servers import start_service, wait_ready

QUEUE = "retrieval.document.ingest.requested"
GRACE_SECONDS = 30


def ingest_request(paragraphs: int) -> DocumentIngestRequested:
    """A plain-text document whose embedding takes a few seconds when it is long."""
    text = "\n\n".join(
        f"Policy {i}. Item {i} may be returned within {i % 30 + 1} days; the refund for order "
        f"{i} reaches the card used within {i % 7 + 2} business days."
        for i in range(paragraphs)
    )
    return DocumentIngestRequested(
        tenant_id="demo",
        document_id=f"doc-{uuid.uuid4().hex[:8]}",
        title="Returns",
        content_type="text/plain",
        content_b64=base64.b64encode(text.encode()).decode(),
    )


async def publish(channel: aio_pika.abc.AbstractChannel, event: DocumentIngestRequested) -> None:
    exchange = await channel.get_exchange(EVENTS.name)
    await exchange.publish(
        aio_pika.Message(event.model_dump_json().encode(), message_id=str(event.event_id)),
        routing_key=event.event_type,
    )


async def waiting(channel: aio_pika.abc.AbstractChannel, queue: str) -> int:
    """Messages ready in a queue (not counting those delivered and unacked)."""
    declared = await channel.declare_queue(queue, passive=True)
    return declared.declaration_result.message_count or 0


async def indexed(infra: RunInfra, document_id: str) -> bool:
    conn = await asyncpg.connect(infra.database_url.replace("+asyncpg", ""))
    try:
        status = await conn.fetchval(
            "SELECT status FROM retrieval.documents WHERE document_id = $1", document_id
        )
    finally:
        await conn.close()
    return status == "indexed"


async def test_sigterm_finishes_the_message_in_flight_acks_it_and_exits_0(
    private_infra: RunInfra, tmp_path: Path
) -> None:
    service = start_service(
        "retrieval",
        private_infra.env(),
        tmp_path,
        QDRANT_PATH=str(tmp_path / "qdrant"),
        RETRIEVAL_INGEST_PREFETCH="1",
        RABBITMQ_GRACEFUL_TIMEOUT=str(GRACE_SECONDS),
    )
    try:
        await wait_ready(service.base_url, timeout=90)
        slow, queued = ingest_request(150), ingest_request(2)
        async with await aio_pika.connect(private_infra.rabbitmq_url) as connection:
            channel = await connection.channel()
            await publish(channel, slow)
            await publish(channel, queued)
            # Prefetch 1: the slow document is being indexed, the other waits its turn.
            await wait_until(lambda: _waiting_is(channel, 1), timeout=30)
            assert not await indexed(private_infra, slow.document_id)

            stopping = time.monotonic()
            service.process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(service.process.wait, GRACE_SECONDS + 10)
            took = time.monotonic() - stopping

            assert code == 0, service.log_path.read_text()[-3000:]
            assert took < GRACE_SECONDS
            assert await indexed(private_infra, slow.document_id)
            # Acked: only the untouched message is left, and nothing was parked.
            assert await waiting(channel, QUEUE) == 1
            assert await waiting(channel, "retrieval.parking") == 0
            left = await (await channel.get_queue(QUEUE)).get(no_ack=False)
            assert left is not None
            assert left.message_id == str(queued.event_id)
            # Never handed to the stopping consumer, so its delivery count did not grow.
            assert (left.headers or {}).get("x-delivery-count", 0) == 0
    finally:
        service.kill()


async def _waiting_is(channel: aio_pika.abc.AbstractChannel, count: int) -> bool:
    return await waiting(channel, QUEUE) == count
