"""Full turns through every real service: answers cited from the knowledge base, an honest
"I don't know", turns of one session in order, tool spans in the turn's trace, and a turn that
degrades instead of failing when the retrieval service dies."""

import asyncio
import json
import re
import time
import uuid
from typing import Any

import aio_pika
import httpx
import pytest

from orchestrator.generators.base import CANNOT_LOOK_UP, DONT_KNOW
from support_embeddings import BUNDLED_DIMENSION, BUNDLED_MODEL
from tests.e2e.conftest import Stack
from tests.support.client import FrameReader, chat_turn, connect, create_session
from tests.support.infra import wait_until
from tests.support.kb import admin, settled
from tests.support.servers import wait_ready

pytestmark = pytest.mark.e2e
REQUESTS = ("memory.recall.requested", "retrieval.requested", "escalation.assess.requested")
DEGRADED_METRIC = re.compile(
    r'^support_turn_degraded_total\{dependency="retrieval"\} (\S+)$', re.MULTILINE
)
LOST_CARD = """# Frozen and lost cards

## Freezing a lost card
If you lose your Zephyr debit card, freeze it at once in the mobile app under Cards, then
Freeze card. A frozen Zephyr card declines every payment until you unfreeze it.

## Ordering a replacement
Order a replacement Zephyr card from the Cards page; it arrives within five working days.
"""
FEES = """# Zephyr account fees

The Zephyr current account has no monthly fee. Withdrawals abroad cost two percent of the
amount, with a minimum of three euros per withdrawal.
"""


async def turn_completed(stack: Stack, turn_id: str) -> dict[str, Any]:
    """The audited `turn.completed` payload of a turn, once it is recorded."""
    return (await stack.turns_completed([turn_id], timeout=20))[turn_id]


async def degraded_retrieval_turns(stack: Stack) -> float:
    async with httpx.AsyncClient(timeout=5) as http:
        text = (await http.get(f"{stack.services['orchestrator'].base_url}/metrics")).text
    match = DEGRADED_METRIC.search(text)
    return float(match.group(1)) if match else 0.0


@pytest.fixture(scope="module")
async def zephyr_docs(stack: Stack) -> dict[str, str]:
    """Two documents about a product no other test mentions, indexed."""
    suffix = uuid.uuid4().hex[:6]
    ids = {"cards": f"zephyr-cards-{suffix}", "fees": f"zephyr-fees-{suffix}"}
    async with admin(stack.gateway_url) as http:
        for key, content in (("cards", LOST_CARD), ("fees", FEES)):
            response = await http.post(
                "/v1/kb/documents",
                json={"id": ids[key], "title": f"Zephyr {key}", "content": content},
            )
            assert response.status_code == 202, response.text
        for document_id in ids.values():
            assert (await settled(http, document_id))["status"] == "indexed"
    return ids


async def test_a_question_the_knowledge_base_answers_streams_a_cited_answer(
    stack: Stack, zephyr_docs: dict[str, str]
) -> None:
    session = await create_session(stack.gateway_url, customer_id=f"c-{uuid.uuid4().hex[:6]}")
    async with connect(session) as ws:
        reader = FrameReader(ws)
        completed = await chat_turn(reader, "How do I freeze my lost Zephyr card?", "m-1")
    deltas = [f["text"] for f in reader.frames if f["type"] == "answer_delta"]
    assert len(deltas) > 1 and "".join(deltas) == completed["text"]
    assert [f["state"] for f in reader.frames if f["type"] == "typing"] == ["on", "off"]
    assert completed["sources"][0]["document_id"] == zephyr_docs["cards"]
    assert "[1]" in completed["text"] and "Freeze card" in completed["text"]
    assert not completed["offers_human"]

    record = await turn_completed(stack, completed["turn_id"])
    called = {call["name"]: call["status"] for call in record["tools_called"]}
    assert called == {"memory": "ok", "retrieval": "ok", "escalation": "ok"}
    assert record["degraded"] == []
    assert record["generator"] == "extractive"


async def test_the_message_is_embedded_once_and_the_vector_sent_to_every_tool(
    stack: Stack, zephyr_docs: dict[str, str]
) -> None:
    requests: dict[str, dict[str, Any]] = {}
    connection = await aio_pika.connect_robust(stack.infra.rabbitmq_url)
    try:
        channel = await connection.channel()
        events = await channel.get_exchange("support.events")
        queue = await channel.declare_queue(exclusive=True)
        for kind in REQUESTS:
            await queue.bind(events, kind)

        async def on_request(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                requests[message.routing_key] = json.loads(message.body)

        await queue.consume(on_request)
        session = await create_session(stack.gateway_url)
        async with connect(session) as ws:
            completed = await chat_turn(FrameReader(ws), "What does a Zephyr card cost?", "m-1")
        await wait_until(lambda: len(requests) == len(REQUESTS), timeout=10)
    finally:
        await connection.close()
    embeddings = [requests[kind]["embedding"] for kind in REQUESTS]
    assert embeddings[0]["model"] == BUNDLED_MODEL
    assert len(embeddings[0]["vector"]) == BUNDLED_DIMENSION
    assert all(embedding == embeddings[0] for embedding in embeddings)
    assert {r["correlation_id"] for r in requests.values()} == {completed["turn_id"]}
    record = await turn_completed(stack, completed["turn_id"])
    assert "embed_message" in record["timings_ms"]


async def test_a_question_outside_the_knowledge_base_says_so_and_offers_a_human(
    stack: Stack, zephyr_docs: dict[str, str]
) -> None:
    session = await create_session(stack.gateway_url)
    async with connect(session) as ws:
        completed = await chat_turn(
            FrameReader(ws), "Which telescope should I buy to watch Saturn's rings?", "m-1"
        )
    assert completed["text"] == DONT_KNOW
    assert completed["offers_human"]


async def test_messages_sent_together_are_answered_one_after_another_in_order(
    stack: Stack, zephyr_docs: dict[str, str]
) -> None:
    session = await create_session(stack.gateway_url)
    questions = [
        "How do I freeze my lost Zephyr card?",
        "What does a Zephyr withdrawal abroad cost?",
        "How long does a replacement Zephyr card take?",
    ]
    async with connect(session) as ws:
        reader = FrameReader(ws)
        for i, question in enumerate(questions):
            await reader.send(
                {"type": "user_message", "client_message_id": f"m{i}", "text": question}
            )
        while sum(f["type"] == "answer_completed" for f in reader.frames) < len(questions):
            await reader.next(timeout=30)
    acks = [f["turn_id"] for f in reader.frames if f["type"] == "ack"]
    answered = [f["turn_id"] for f in reader.frames if f["type"] == "answer_completed"]
    assert answered == acks
    turn_of_frames = [
        f["turn_id"] for f in reader.frames if f["type"] in {"typing", "answer_delta"}
    ]
    assert turn_of_frames == sorted(turn_of_frames, key=acks.index)  # never interleaved
    completed = [f for f in reader.frames if f["type"] == "answer_completed"]
    assert completed[1]["sources"][0]["document_id"] == zephyr_docs["fees"]


async def test_the_turns_trace_has_a_span_per_tool_call_with_its_ids(stack: Stack) -> None:
    session = await create_session(stack.gateway_url)
    async with connect(session) as ws:
        completed = await chat_turn(FrameReader(ws), "trace my tools", "m-tools")
    turn_id = completed["turn_id"]

    def tool_spans() -> list[dict[str, Any]] | None:
        spans = [
            s
            for s in stack.spans()
            if s["name"].startswith("tool ") and s["attributes"].get("turn.id") == turn_id
        ]
        return spans if len(spans) == 3 else None

    spans = await wait_until(tool_spans, timeout=15)
    assert {s["name"] for s in spans} == {"tool memory", "tool retrieval", "tool escalation"}
    for span in spans:
        assert span["attributes"]["tenant.id"] == "demo"
        assert span["attributes"]["session.id"] == session.session_id
        assert span["attributes"]["tool.status"] == "ok"
    trace_ids = {s["context"]["trace_id"] for s in spans}
    gateway_spans = [
        s
        for s in stack.spans()
        if s["resource"]["attributes"]["service.name"] == "gateway"
        and s["context"]["trace_id"] in trace_ids
    ]
    assert len(trace_ids) == 1 and gateway_spans


async def test_with_retrieval_dead_the_turn_degrades_within_its_timeout(
    stack: Stack, zephyr_docs: dict[str, str]
) -> None:
    session = await create_session(stack.gateway_url)
    before = await degraded_retrieval_turns(stack)
    async with connect(session) as ws:
        reader = FrameReader(ws)
        await chat_turn(reader, "How do I freeze my lost Zephyr card?", "m-before")
        stack.services["retrieval"].kill()
        try:
            started = time.monotonic()
            completed = await chat_turn(reader, "How do I freeze my lost Zephyr card?", "m-dead")
            elapsed = time.monotonic() - started
        finally:
            stack.services["retrieval"] = stack.start("retrieval")
    assert completed["text"] == CANNOT_LOOK_UP
    assert completed["offers_human"] and completed["sources"] == []
    assert elapsed < 2.0 + 3.0  # the retrieval step's timeout plus the rest of the turn
    record = await turn_completed(stack, completed["turn_id"])
    assert record["degraded"] == ["retrieval"]
    assert {c["name"]: c["status"] for c in record["tools_called"]}["retrieval"] == "timeout"
    assert await degraded_retrieval_turns(stack) == before + 1

    await wait_ready(stack.services["retrieval"].base_url, timeout=90)
    async with connect(session) as ws:
        again = await asyncio.wait_for(
            chat_turn(FrameReader(ws), "How do I freeze my lost Zephyr card?", "m-after"), 60
        )
    assert again["sources"][0]["document_id"] == zephyr_docs["cards"]
