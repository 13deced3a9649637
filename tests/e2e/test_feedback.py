"""Customers rate answers over the WebSocket: once per turn, only answers of their own session,
and each rating reaches the audit trail as `answer.rated` with its comment redacted."""

import uuid

import httpx
import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_audit import token
from tests.support.client import FrameReader, chat_turn, connect, create_session
from tests.support.infra import wait_until

pytestmark = pytest.mark.e2e


async def test_an_answer_is_rated_once_by_its_own_session_and_audited(stack: Stack) -> None:
    mine, other = await create_session(stack.gateway_url), await create_session(stack.gateway_url)
    async with connect(other) as other_socket:
        theirs = await chat_turn(FrameReader(other_socket), "Hello there", uuid.uuid4().hex)
    async with connect(mine) as socket:
        reader = FrameReader(socket)
        answer = await chat_turn(reader, "How do I reset my PIN?", uuid.uuid4().hex)
        comment = "Please write to jane.roe@example.com instead"
        down = {"type": "feedback", "turn_id": answer["turn_id"], "rating": "down"}
        await reader.send(down | {"comment": comment})
        rated = await reader.until("rated")
        assert (rated["turn_id"], rated["rating"]) == (answer["turn_id"], "down")

        await reader.send(down | {"rating": "up"})
        again = await reader.until("error")
        assert (again["code"], again["turn_id"]) == ("already_rated", answer["turn_id"])
        for turn_id in ("no-such-turn", theirs["turn_id"]):
            await reader.send({"type": "feedback", "turn_id": turn_id, "rating": "up"})
            refused = await reader.until("error")
            assert (refused["code"], refused["turn_id"]) == ("unknown_turn", turn_id)
        await reader.send({"type": "feedback", "turn_id": answer["turn_id"], "rating": "meh"})
        assert (await reader.until("error"))["code"] == "invalid_frame"

    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as http:

        async def ratings() -> list[dict[str, object]]:
            page = await http.get(
                f"/v1/audit/sessions/{mine.session_id}/records", headers=token("demo")
            )
            return [r for r in page.json()["records"] if r["event_type"] == "answer.rated"]

        (record,) = await wait_until(ratings, timeout=30, interval=0.5)
    payload = record["payload"]
    assert payload["rating"] == "down" and payload["correlation_id"] == answer["turn_id"]
    assert "jane.roe@example.com" not in str(payload) and "instead" in payload["comment"]
