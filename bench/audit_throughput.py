"""Audit write throughput: publish N events to the broker, time until all are recorded.

    uv run python -m bench.audit_throughput [--events 5000] [--kind turn|small]

Starts the audit service alone on an isolated vhost and database, publishes `turn.completed`
events shaped like real turns (a customer message from the PII corpus, an answer, three cited
passages: everything the service redacts) or small `agent.message.sent` events, and polls the
database until every one is stored, redacted and chained. Then verifies the chain with the
service's own code and times the redaction of the same payloads alone, in this process.
"""

import argparse
import asyncio
import time
from datetime import timedelta

import aio_pika
import orjson
import sqlalchemy as sa

from audit.service import MACHINE_FIELDS
from audit.verify import verify_chain
from bench.cpu import CpuMeter
from bench.stack import isolated_stack
from contracts import AgentMessageSent, AuditVerifyRequested, Event, Source, TurnCompleted, utcnow
from support_core.db import create_engine
from support_core.redaction import default_redactor
from support_core.settings import DatabaseSettings
from tests.support.pii_corpus import CorpusFactory

TENANT = "bench"
ANSWER = (
    "To report a lost card, open the app, choose Cards, then Report lost or stolen. The card "
    "is blocked at once and a replacement is sent within five working days. If you see "
    "payments you did not make, tell us within 13 months so we can refund them."
)
PASSAGE = (
    "Lost or stolen cards. Block the card in the app or call the number on the back of your "
    "statement. A new card arrives in 3 to 5 working days; your PIN stays the same. "
)


def events(count: int, kind: str) -> list[Event]:
    """`count` events for one tenant, spread over sessions."""
    texts = [sample.text for sample in CorpusFactory(seed=3).samples(count)]
    now = utcnow()
    if kind == "small":
        return [
            AgentMessageSent(
                tenant_id=TENANT,
                session_id=f"s-{i % 200}",
                ticket_id=f"T-{i % 50}",
                agent_id="agent-1",
                text=text,
            )
            for i, text in enumerate(texts)
        ]
    sources = [
        Source(
            document_id=f"doc-{n}",
            title="Lost cards",
            chunk_id=f"c-{n}",
            score=0.8,
            snippet=PASSAGE[:160],
            text=PASSAGE,
        )
        for n in range(3)
    ]
    return [
        TurnCompleted(
            tenant_id=TENANT,
            session_id=f"s-{i % 200}",
            correlation_id=f"t-{i}",
            message_id=f"m-{i}",
            user_text=text,
            answer_text=ANSWER,
            sources=sources,
            generator="extractive",
            started_at=now,
            completed_at=now + timedelta(seconds=1),
        )
        for i, text in enumerate(texts)
    ]


async def publish_all(amqp: str, batch: list[Event]) -> float:
    """Publish with confirms, 200 in flight; return the seconds it took."""
    started = time.perf_counter()
    async with await aio_pika.connect(amqp) as connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("support.events")
        for offset in range(0, len(batch), 200):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            event.model_dump_json().encode(),
                            message_id=str(event.event_id),
                            content_type="application/json",
                        ),
                        routing_key=event.event_type,
                    )
                    for event in batch[offset : offset + 200]
                )
            )
    return time.perf_counter() - started


async def count(engine: sa.ext.asyncio.AsyncEngine) -> int:
    """Records stored so far."""
    async with engine.connect() as conn:
        return int((await conn.execute(sa.text("SELECT count(*) FROM audit.records"))).scalar_one())


async def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--kind", choices=("turn", "small"), default="turn")
    args = parser.parse_args()
    batch = events(args.events, args.kind)
    payloads = [orjson.loads(event.model_dump_json()) for event in batch]
    started = time.perf_counter()
    for payload in payloads:
        default_redactor().redact_value(payload, keep=MACHINE_FIELDS)
    redact_ms = (time.perf_counter() - started) / len(payloads) * 1000

    async with isolated_stack(("audit",)) as (infra, processes):
        engine = create_engine(DatabaseSettings(url=infra.database_url))
        meter = CpuMeter({"audit": processes["audit"].process.pid})
        try:
            meter.mark()
            started = time.perf_counter()
            publish_s = await publish_all(infra.rabbitmq_url, batch)
            while await count(engine) < len(batch):
                await asyncio.sleep(0.1)
            recorded_s = time.perf_counter() - started
            cpu_ms = meter.since()["audit"] / len(batch) * 1000
            started = time.perf_counter()
            verified = await verify_chain(engine, AuditVerifyRequested(tenant_id=TENANT))
            verify_s = time.perf_counter() - started
        finally:
            await engine.dispose()

    size = sum(len(event.model_dump_json()) for event in batch) / len(batch)
    print(f"{len(batch)} {batch[0].event_type} events, {size:.0f} bytes each on average")
    print(f"published in {publish_s:.2f} s ({len(batch) / publish_s:.0f}/s)")
    print(f"all recorded after {recorded_s:.2f} s: {len(batch) / recorded_s:.0f} events/s")
    print(f"audit service CPU: {cpu_ms:.2f} ms per event")
    print(f"redaction alone: {redact_ms:.2f} ms per event (this process)")
    print(
        f"verify: {verified.checked} records in {verify_s:.2f} s "
        f"({verified.checked / verify_s:.0f}/s), ok={verified.ok}"
    )


if __name__ == "__main__":
    asyncio.run(main())
