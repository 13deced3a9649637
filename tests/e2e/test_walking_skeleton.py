"""A customer turn end to end through real processes, the broker, PostgreSQL and Redis."""

import asyncio
import uuid

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import Stack
from tests.support.client import FrameReader, chat_turn, connect, create_session
from tests.support.infra import rabbitmqctl, wait_until
from tests.support.servers import wait_ready

pytestmark = pytest.mark.e2e


async def audit_rows(stack: Stack, turn_id: str) -> list[str]:
    conn = await asyncpg.connect(stack.infra.database_url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "SELECT event_type FROM audit.records WHERE turn_id = $1 ORDER BY id", turn_id
        )
    finally:
        await conn.close()
    return [row["event_type"] for row in rows]


async def test_every_service_is_healthy_ready_and_exposes_metrics(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        for name, process in stack.services.items():
            assert (await http.get(f"{process.base_url}/healthz")).json() == {"status": "ok"}
            ready = (await http.get(f"{process.base_url}/readyz")).json()
            assert ready["status"] == "ready", (name, ready)
            assert {"broker", "database", "redis"} <= set(ready["checks"])
            metrics = (await http.get(f"{process.base_url}/metrics")).text
            assert "process_cpu_seconds_total" in metrics


async def test_a_customer_message_streams_an_answer_and_is_audited(stack: Stack) -> None:
    session = await create_session(stack.gateway_url, customer_id="cust-1")
    async with connect(session) as ws:
        reader = FrameReader(ws)
        completed = await chat_turn(reader, "Where is my card?", "m-1")
    types = [frame["type"] for frame in reader.frames]
    assert types[0] == "ack"
    assert "answer_delta" in types
    assert types[-1] == "answer_completed"
    seqs = [frame["seq"] for frame in reader.frames]
    assert seqs == list(range(1, len(seqs) + 1))
    deltas = "".join(f["text"] for f in reader.frames if f["type"] == "answer_delta")
    assert deltas == completed["text"]
    turn_id = reader.frames[0]["turn_id"]
    assert completed["turn_id"] == turn_id

    await wait_until(lambda: _turn_recorded(stack, turn_id), timeout=15)
    # One record per turn: `turn.completed` carries the message, the lookups and the answer.
    assert await audit_rows(stack, turn_id) == ["turn.completed"]


async def test_one_trace_spans_gateway_orchestrator_and_back(stack: Stack) -> None:
    session = await create_session(stack.gateway_url)
    async with connect(session) as ws:
        reader = FrameReader(ws)
        completed = await chat_turn(reader, "trace me", "m-trace")
    turn_id = completed["turn_id"]

    def turn_spans() -> list[dict[str, object]] | None:
        spans = [
            s
            for s in stack.spans()
            if s["attributes"].get("messaging.message.conversation_id") == turn_id
        ]
        services = {s["resource"]["attributes"]["service.name"] for s in spans}
        return spans if {"gateway", "orchestrator", "audit"} <= services else None

    spans = await wait_until(turn_spans, timeout=15)
    assert len({s["context"]["trace_id"] for s in spans}) == 1


async def test_a_broker_restart_is_survived_without_restarting_services(stack: Stack) -> None:
    session = await create_session(stack.gateway_url)
    async with connect(session) as ws:
        await chat_turn(FrameReader(ws), "before the restart", "m-before")

    rabbitmqctl("stop_app")
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            down = await http.get(f"{stack.gateway_url}/readyz")
        assert down.status_code == 503
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")

    for process in stack.services.values():
        await wait_ready(process.base_url, timeout=60)
    session = await create_session(stack.gateway_url)
    async with connect(session) as ws:
        reader = FrameReader(ws)
        completed = await asyncio.wait_for(chat_turn(reader, "after the restart", "m-after"), 60)
    assert completed["text"]


async def test_the_same_event_delivered_twice_is_recorded_once(stack: Stack) -> None:
    import aio_pika

    from contracts import ChatMessageReceived

    event = ChatMessageReceived(
        tenant_id="demo",
        session_id=str(uuid.uuid4()),
        correlation_id=str(uuid.uuid4()),
        message_id="dup",
        text="duplicate",
        gateway_instance="gateway.nowhere",
    )
    connection = await aio_pika.connect(stack.infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("support.events")
        for _ in range(2):
            await exchange.publish(
                aio_pika.Message(
                    event.model_dump_json().encode(),
                    message_id=str(event.event_id),
                    content_type="application/json",
                ),
                routing_key=event.event_type,
            )

    await wait_until(lambda: _turn_recorded(stack, str(event.correlation_id)), timeout=15)
    assert (await audit_rows(stack, str(event.correlation_id))).count("turn.completed") == 1


async def _turn_recorded(stack: Stack, turn_id: str) -> bool:
    return "turn.completed" in await audit_rows(stack, turn_id)
