"""Staff-only knowledge never reaches a customer: an internal document that 100 customer
questions retrieve (the audit trail shows each turn consulted it) appears in none of their
frames, neither as a source nor in the text."""

import asyncio
import json
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Stack
from tests.support.client import FrameReader, chat_turn, connect, create_session
from tests.support.kb import admin, settled

pytestmark = pytest.mark.e2e
SESSIONS = 10
QUESTIONS_EACH = 10
TEMPLATES = (
    "How do I replace my {} card?",
    "My {} card is broken, can I get a new one?",
    "What happens when I order a replacement {} card?",
    "Can you send me a new {} card?",
    "How long does a replacement {} card take to arrive?",
    "I lost my {} card, what now?",
    "Is there a fee to replace a {} card?",
    "Where do I order a new {} card?",
    "My {} card was damaged, how do I replace it?",
    "Can I get my {} card replaced quickly?",
)


@pytest.fixture(scope="module")
async def quokka(stack: Stack) -> dict[str, str]:
    """A customer guide and a staff procedure about the same product, with a secret marker."""
    suffix = uuid.uuid4().hex[:8]
    product = f"Quokka{suffix}"
    marker = f"QX{suffix.upper()}"
    docs = {
        "public": {
            "id": f"quokka-help-{suffix}",
            "title": f"Replacing a {product} card",
            "content": f"Order a replacement {product} card from the Cards page of the app. "
            f"A replacement {product} card arrives within five working days.",
        },
        "staff": {
            "id": f"quokka-staff-{suffix}",
            "title": f"Internal: {product} card replacement",
            "content": f"Staff replace a {product} card with the order_{suffix}_7731 tool. "
            f"Quote override code {marker} when the replacement {product} card is urgent.",
            "audience": "internal",
        },
    }
    async with admin(stack.gateway_url) as http:
        for doc in docs.values():
            response = await http.post("/v1/kb/documents", json=doc)
            assert response.status_code == 202, response.text
        for doc in docs.values():
            assert (await settled(http, doc["id"]))["status"] == "indexed"
    return {
        "product": product,
        "marker": marker,
        "tool": f"order_{suffix}_7731",
        "staff_id": docs["staff"]["id"],
        "staff_title": docs["staff"]["title"],
    }


async def customer(stack: Stack, questions: list[str], tag: str) -> tuple[list[str], list[str]]:
    """One customer asking questions in turn: every raw frame received, and the turn ids."""
    session = await create_session(stack.gateway_url)
    raw: list[str] = []
    turns = []
    async with connect(session) as ws:
        reader = FrameReader(ws)
        for n, question in enumerate(questions):
            completed = await chat_turn(reader, question, f"{tag}-{n}")
            turns.append(completed["turn_id"])
        raw = [json.dumps(frame) for frame in reader.frames]
    return raw, turns


async def test_an_internal_document_retrieved_by_100_questions_never_reaches_a_customer(
    stack: Stack, quokka: dict[str, str]
) -> None:
    questions = [t.format(quokka["product"]) for t in TEMPLATES]
    runs: list[tuple[list[str], list[str]]] = await asyncio.gather(
        *(customer(stack, questions[s:] + questions[:s], f"q{s}") for s in range(SESSIONS))
    )
    frames = [frame for raw, _ in runs for frame in raw]
    turns = [turn for _, ids in runs for turn in ids]
    assert len(turns) == SESSIONS * QUESTIONS_EACH
    answers = [json.loads(f) for f in frames if json.loads(f)["type"] == "answer_completed"]
    assert len(answers) == len(turns) and all(a["sources"] for a in answers)
    leaks: list[dict[str, Any]] = [
        json.loads(frame)
        for frame in frames
        if any(
            secret in frame
            for secret in (
                quokka["marker"],
                quokka["tool"],
                quokka["staff_id"],
                quokka["staff_title"],
            )
        )
    ]
    assert leaks == []
    audited = await stack.turns_completed(turns, timeout=60)
    assert all(quokka["staff_id"] in turn["guidance"] for turn in audited.values())
