"""examples/ticketing_bridge.py against the real broker: each lifecycle event is forwarded once;
redeliveries and republished duplicates are dropped, also after the bridge restarts."""

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import aio_pika
import pytest

from contracts import EscalationAssigned, EscalationCreated, EscalationResolved, Event, utcnow
from tests.support.infra import RunInfra

pytestmark = pytest.mark.integration
BRIDGE = Path(__file__).parents[2] / "examples" / "ticketing_bridge.py"


@asynccontextmanager
async def bridge(infra: RunInfra, db: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """The bridge as its own process, consuming once it says so; stopped with SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BRIDGE),
        "--amqp",
        infra.rabbitmq_url,
        "--db",
        str(db),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    started = await asyncio.wait_for(process.stderr.readline(), 30)
    assert b"consuming" in started, started
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


async def publish(infra: RunInfra, *events: Event) -> None:
    """Publish as the escalation service's outbox does (message id = event id)."""
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("support.escalations")
        for event in events:
            await exchange.publish(
                aio_pika.Message(
                    event.model_dump_json().encode(),
                    message_id=str(event.event_id),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=event.event_type,
            )


async def lines(stream: asyncio.StreamReader | None, count: int) -> list[str]:
    assert stream is not None
    return [(await asyncio.wait_for(stream.readline(), 20)).decode() for _ in range(count)]


async def test_the_bridge_forwards_each_event_once(private_infra: RunInfra, tmp_path: Path) -> None:
    now = utcnow()
    common = {"tenant_id": "acme", "session_id": "s-1", "ticket_id": "T-1", "customer_id": "c-9"}
    created = EscalationCreated(
        **common,
        reasons=["human_request"],
        priority="normal",
        sla_due_at=now + timedelta(hours=4),
        summary="Let me talk to a human.",
    )
    assigned = EscalationAssigned(**common, agent_id="ada", agent_name="Ada")
    resolved = EscalationResolved(**common, agent_id="ada", resolution="refunded")
    db = tmp_path / "bridge.sqlite3"
    async with bridge(private_infra, db) as first:
        await publish(private_infra, created, created, assigned, resolved, assigned)
        forwarded = [json.loads(line) for line in await lines(first.stdout, 3)]
        dropped = await lines(first.stderr, 2)
    assert [e["event_type"] for e in forwarded] == [
        "escalation.created",
        "escalation.assigned",
        "escalation.resolved",
    ]
    assert forwarded[0]["reasons"] == ["human_request"] and forwarded[1]["agent_id"] == "ada"
    assert dropped == [
        f"duplicate {created.event_id} dropped\n",
        f"duplicate {assigned.event_id} dropped\n",
    ]

    async with bridge(private_infra, db) as restarted:
        await publish(private_infra, resolved)
        assert await lines(restarted.stderr, 1) == [f"duplicate {resolved.event_id} dropped\n"]
    assert restarted.stdout is not None and await restarted.stdout.read() == b""
