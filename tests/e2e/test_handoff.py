"""Hand-off to a human through real processes: the customer asks for a person, an agent holds
the session (the customer's messages reach the agent, the agent's replies reach the customer's
socket), resolving gives the session back to the assistant, and the customer scores the help
(CSAT), which the admins' analytics count."""

from typing import Any

import asyncpg
import pytest

from tests.e2e.conftest import Stack
from tests.support.client import FrameReader, chat_turn, connect, create_session
from tests.support.escalations import call
from tests.support.infra import wait_until
from tests.support.tenants import new_tenant, role_token

pytestmark = pytest.mark.e2e


async def history(stack: Stack, token: str, session_id: str) -> list[dict[str, Any]]:
    """The session's messages, oldest first, as the agent console reads them."""
    response = await call(stack.gateway_url, "GET", f"/v1/sessions/{session_id}/messages", token)
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["messages"]))


async def audited(stack: Stack, turn_id: str) -> set[str]:
    conn = await asyncpg.connect(stack.infra.database_url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch("SELECT event_type FROM audit.records WHERE turn_id = $1", turn_id)
    finally:
        await conn.close()
    return {row["event_type"] for row in rows}


async def test_an_agent_takes_over_replies_hands_back_and_is_scored(stack: Stack) -> None:
    url = stack.gateway_url
    admin_key = (await new_tenant(stack.infra)).admin_key
    admin = await role_token(url, admin_key, "admin", "ops")
    agent = await role_token(url, admin_key, "agent", "ada", display_name="Ada")
    session = await create_session(url, api_key=admin_key, customer_id="cust-handoff")
    async with connect(session) as ws:
        reader = FrameReader(ws)
        asked = await chat_turn(reader, "Please let me talk to a human agent.", "m1")
        assert asked["escalated"] and asked["ticket_id"]
        escalated = next(f for f in reader.frames if f["type"] == "escalated")
        assert escalated["state"] == "assigned" and "Ada" in escalated["message"]
        ticket = f"/v1/escalations/{asked['ticket_id']}"
        summary = (await call(url, "GET", ticket, agent)).json()["summary"].splitlines()
        assert summary[0] == "Asked: Please let me talk to a human agent."
        assert summary[-1] == "Why: the customer asked for a person"

        await reader.send(
            {"type": "user_message", "client_message_id": "m2", "text": "I was charged twice."}
        )
        ack = await reader.until("ack")
        seen = await wait_until(
            lambda: _said(stack, agent, session.session_id, "customer", "I was charged twice."),
            timeout=20,
        )
        assert seen
        # The message an agent will answer is audited as its turn's one record.
        assert await wait_until(lambda: _audited_turn(stack, ack["turn_id"]), timeout=20) == {
            "turn.completed"
        }

        sent = await call(url, "POST", f"{ticket}/messages", agent, json={"text": "Refunding it."})
        assert sent.status_code == 202, sent.text
        reply = await reader.until("agent_message")
        assert reply["text"] == "Refunding it." and reply["agent_id"] == "ada"
        forwarded = reader.frames[reader.frames.index(ack) + 1 :]
        # The message reached the agent (`delivered`); no assistant answer.
        assert [f["type"] for f in forwarded] == ["delivered", "agent_message"]
        assert await wait_until(
            lambda: _said(stack, agent, session.session_id, "agent", "Refunding it."), timeout=20
        )

        resolved = await call(url, "POST", f"{ticket}/resolve", agent, json={"note": "refunded"})
        assert resolved.status_code == 200, resolved.text
        back = await reader.until("escalated")
        assert back["state"] == "resolved" and back["ticket_id"] == asked["ticket_id"]

        csat = {"type": "csat", "ticket_id": asked["ticket_id"], "score": 4, "comment": "quick"}
        await reader.send(csat)
        recorded = await reader.until("csat_recorded")
        assert (recorded["ticket_id"], recorded["score"]) == (asked["ticket_id"], 4)
        for frame, code in (
            (csat | {"score": 1}, "already_rated"),
            (csat | {"ticket_id": "T-not-this-sessions"}, "unknown_ticket"),
            (csat | {"score": 6}, "invalid_frame"),
        ):
            await reader.send(frame)
            assert (await reader.until("error"))["code"] == code

        answered = await chat_turn(reader, "What are your opening hours?", "m3")
        assert not answered["escalated"] and answered["text"]

    async def scored() -> dict[str, Any] | None:
        summary = (await call(url, "GET", "/v1/analytics/summary", admin)).json()
        return summary if summary["csat_responses"] else None

    summary = await wait_until(scored, timeout=20, interval=0.5)
    assert (summary["csat_average"], summary["csat_responses"]) == (4.0, 1)
    assert summary["conversations"] == 1 and summary["outcomes"]["open"] == 1


async def _said(stack: Stack, token: str, session_id: str, role: str, text: str) -> bool:
    return any(
        m["role"] == role and m["text"] == text for m in await history(stack, token, session_id)
    )


async def _audited_turn(stack: Stack, turn_id: str) -> set[str] | None:
    found = await audited(stack, turn_id)
    return found if "turn.completed" in found else None
