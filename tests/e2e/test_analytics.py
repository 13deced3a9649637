"""Resolution analytics and knowledge gaps, checked against figures worked out by hand for a
scripted set of conversations: the events arrive on the broker as their producers send them,
the audit service records them, and an admin reads the figures through the gateway."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts import (
    AnswerRated,
    ConversationRated,
    EscalationCreated,
    Event,
    Source,
    TurnCompleted,
    utcnow,
)
from tests.e2e.conftest import Stack
from tests.e2e.test_audit import publish, token
from tests.support.infra import wait_until

pytestmark = pytest.mark.e2e
NOW = utcnow()
# Noon of two earlier days: every conversation's turns fall on one day, and F (five minutes ago)
# never on either of them.
DAY_1 = (NOW - timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
DAY_2 = DAY_1 + timedelta(days=1)
SOURCE = Source(document_id="d", title="Cards", chunk_id="c", score=0.9, snippet="…")


@dataclass
class Script:
    """One tenant's scripted conversations, as events."""

    tenant: str
    events: list[Event]

    def turn(
        self,
        session: str,
        at: datetime,
        question: str,
        *,
        duration_ms: float,
        cited: int = 1,
        confidence: float | None = 0.9,
        escalated: bool = False,
        agent: bool = False,
    ) -> str:
        turn_id = uuid.uuid4().hex
        self.events.append(
            TurnCompleted(
                tenant_id=self.tenant,
                session_id=session,
                correlation_id=turn_id,
                message_id=turn_id,
                user_text=question,
                answer_text="",
                sources=[SOURCE] * cited,
                generator="agent" if agent else "extractive",
                handled_by="agent" if agent else "assistant",
                escalated=escalated,
                ticket_id="T-" + session if escalated else None,
                confidence=confidence,
                started_at=at - timedelta(milliseconds=duration_ms),
                completed_at=at,
                timings_ms={"total": duration_ms},
            )
        )
        return turn_id

    def ticket(self, session: str, turn_id: str, at: datetime, *reasons: str) -> None:
        self.events.append(
            EscalationCreated(
                tenant_id=self.tenant,
                session_id=session,
                correlation_id=turn_id,
                occurred_at=at,
                ticket_id="T-" + session,
                reasons=list(reasons),
                priority="normal",
                sla_due_at=at + timedelta(hours=4),
                summary="",
            )
        )

    def score(self, session: str, at: datetime, score: int) -> None:
        self.events.append(
            ConversationRated(
                tenant_id=self.tenant,
                session_id=session,
                ticket_id="T-" + session,
                occurred_at=at,
                score=score,
            )
        )

    def rate(self, session: str, turn_id: str, at: datetime, rating: str) -> None:
        self.events.append(
            AnswerRated(
                tenant_id=self.tenant,
                session_id=session,
                correlation_id=turn_id,
                occurred_at=at,
                rating=rating,  # type: ignore[arg-type]
            )
        )


def conversations(tenant: str) -> Script:
    """A resolved, B abandoned (👎 on its only answer, which knew nothing), C handed off on
    request then served by an agent (CSAT 4), D resolved (👍, low confidence), E handed off for
    low confidence (CSAT 2), F still open; A–C start on day 1, D–E on day 2, F five minutes ago."""
    script = Script(tenant, [])
    minute = timedelta(minutes=1)
    script.turn("A", DAY_1, "How do I freeze my card?", duration_ms=100)
    script.turn("A", DAY_1 + minute, "And unfreeze it?", duration_ms=200)
    b = script.turn(
        "B", DAY_1 + 2 * minute, "How do I teleport my card to Mars?", duration_ms=300, cited=0
    )
    script.rate("B", b, DAY_1 + 3 * minute, "down")
    c = script.turn(
        "C", DAY_1 + 4 * minute, "I want a person", duration_ms=400, cited=0, escalated=True
    )
    script.ticket("C", c, DAY_1 + 4 * minute, "human_request")
    script.turn("C", DAY_1 + 9 * minute, "Thanks for helping", duration_ms=50, agent=True)
    script.score("C", DAY_1 + 10 * minute, 4)
    d = script.turn(
        "D", DAY_2, "Can I teleport my card to Mars?", duration_ms=500, cited=2, confidence=0.2
    )
    script.rate("D", d, DAY_2 + minute, "up")
    e = script.turn(
        "E",
        DAY_2 + 30 * minute,
        "My balance is wrong, write to jane.roe@example.com",
        duration_ms=600,
        cited=0,
        confidence=None,
        escalated=True,
    )
    script.ticket("E", e, DAY_2 + 30 * minute, "low_confidence", "frustration")
    script.score("E", DAY_2 + 40 * minute, 2)
    script.turn("F", NOW - 5 * minute, "Where is my PIN?", duration_ms=700)
    return script


def outcomes(
    resolved: int = 0, escalated: int = 0, abandoned: int = 0, open: int = 0
) -> dict[str, int]:
    return {"resolved": resolved, "escalated": escalated, "abandoned": abandoned, "open": open}


async def recorded_conversations(stack: Stack) -> str:
    """A tenant of its own whose scripted conversations the audit service has recorded."""
    tenant = f"analytics-{uuid.uuid4().hex[:8]}"
    script = conversations(tenant)
    await publish(stack, *script.events)

    async def all_recorded() -> bool:
        async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as http:
            page = await http.get(
                "/v1/audit/records", params={"limit": 1000}, headers=token(tenant)
            )
        return page.status_code == 200 and len(page.json()["records"]) == len(script.events)

    await wait_until(all_recorded, timeout=30, interval=0.2)
    return tenant


@pytest.fixture(scope="module")
async def scripted(stack: Stack) -> str:
    return await recorded_conversations(stack)


async def analytics(stack: Stack, tenant: str, path: str, **params: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as http:
        response = await http.get(path, params=params, headers=token(tenant, "admin"))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def period() -> dict[str, str]:
    return {
        "from": (NOW - timedelta(days=4)).isoformat(),
        "to": (NOW + timedelta(minutes=1)).isoformat(),
    }


async def test_the_summary_counts_each_conversation_by_how_it_ended(
    stack: Stack, scripted: str
) -> None:
    summary = await analytics(stack, scripted, "/v1/analytics/summary", **period())
    days = summary.pop("days")
    assert summary.pop("idle_minutes") == 30
    del summary["since"], summary["until"]
    assert summary == {
        "conversations": 6,
        "outcomes": outcomes(resolved=2, escalated=2, abandoned=1, open=1),
        "resolution_rate": 0.4,  # A, D of the five ended
        "escalation_rate": 0.4,  # C, E
        "escalation_reasons": {"frustration": 1, "human_request": 1, "low_confidence": 1},
        "turns": 7,  # the agent's reply in C is not the assistant's
        "ratings": {"up": 1, "down": 1},
        "csat_average": 3.0,  # 4 and 2
        "csat_responses": 2,
        "dont_know_rate": 0.1429,  # B, 1 of 7; C and E cited nothing but handed off
        "turn_p50_ms": 400.0,  # nearest rank of 100, 200 … 700
        "turn_p95_ms": 700.0,
    }
    assert days == [
        {
            "day": DAY_1.date().isoformat(),
            "conversations": 3,
            "outcomes": outcomes(resolved=1, escalated=1, abandoned=1),
            "resolution_rate": 0.3333,
            "escalation_rate": 0.3333,
            "escalation_reasons": {"human_request": 1},
            "turns": 4,
            "ratings": {"up": 0, "down": 1},
            "csat_average": 4.0,
            "csat_responses": 1,
            "dont_know_rate": 0.25,
            "turn_p50_ms": 200.0,
            "turn_p95_ms": 400.0,
        },
        {
            "day": DAY_2.date().isoformat(),
            "conversations": 2,
            "outcomes": outcomes(resolved=1, escalated=1),
            "resolution_rate": 0.5,
            "escalation_rate": 0.5,
            "escalation_reasons": {"frustration": 1, "low_confidence": 1},
            "turns": 2,
            "ratings": {"up": 1, "down": 0},
            "csat_average": 2.0,
            "csat_responses": 1,
            "dont_know_rate": 0.0,
            "turn_p50_ms": 500.0,
            "turn_p95_ms": 600.0,
        },
        {
            "day": (NOW - timedelta(minutes=5)).date().isoformat(),
            "conversations": 1,
            "outcomes": outcomes(open=1),
            "resolution_rate": None,
            "escalation_rate": None,
            "escalation_reasons": {},
            "turns": 1,
            "ratings": {"up": 0, "down": 0},
            "csat_average": None,
            "csat_responses": 0,
            "dont_know_rate": 0.0,
            "turn_p50_ms": 700.0,
            "turn_p95_ms": 700.0,
        },
    ]


async def test_a_longer_idle_time_keeps_a_recent_conversation_open_longer(
    stack: Stack, scripted: str
) -> None:
    recent = {"from": (NOW - timedelta(hours=2)).isoformat(), "to": period()["to"]}
    short = await analytics(stack, scripted, "/v1/analytics/summary", idle_minutes="1", **recent)
    long = await analytics(stack, scripted, "/v1/analytics/summary", **recent)
    assert short["outcomes"] == outcomes(resolved=1) and short["resolution_rate"] == 1.0
    assert long["outcomes"] == outcomes(open=1) and long["resolution_rate"] is None


async def test_gaps_group_similar_unanswered_questions_newest_first(
    stack: Stack, scripted: str
) -> None:
    groups = (await analytics(stack, scripted, "/v1/analytics/gaps", **period()))["groups"]
    assert [group["count"] for group in groups] == [1, 2]
    handoff, mars = groups
    assert handoff["signals"] == {"low_confidence_handoff": 1}
    assert "jane.roe@example.com" not in handoff["examples"][0]  # redacted as audited
    assert handoff["session_ids"] == ["E"]
    assert mars["examples"] == [
        "Can I teleport my card to Mars?",
        "How do I teleport my card to Mars?",
    ]
    assert mars["signals"] == {"dont_know": 1, "low_confidence": 1, "thumbs_down": 1}
    assert mars["session_ids"] == ["D", "B"]


async def test_only_admins_read_analytics_and_a_backwards_range_is_refused(
    stack: Stack, scripted: str
) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as http:
        agent = await http.get("/v1/analytics/summary", headers=token(scripted, "agent"))
        backwards = await http.get(
            "/v1/analytics/gaps",
            params={"from": period()["to"], "to": period()["from"]},
            headers=token(scripted, "admin"),
        )
    assert agent.status_code == 403
    assert backwards.status_code == 422 and "before" in backwards.json()["detail"]
