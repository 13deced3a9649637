"""The WebSocket protocol at its edges: bad frames, rate limits, refused and expired tokens.

Limits are tested on a second gateway process started with low limits and short tokens, each
test with a tenant of its own so their counters never meet.
"""

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import Stack
from tests.support.client import ChatSession, FrameReader, chat_turn, connect, create_session
from tests.support.servers import ServiceProcess, wait_ready
from tests.support.tenants import new_tenant

pytestmark = pytest.mark.e2e
TOKEN_TTL = 3


@pytest.fixture(scope="module")
async def strict_gateway(stack: Stack) -> AsyncIterator[ServiceProcess]:
    """A gateway with low limits and short-lived tokens."""
    process = stack.start(
        "gateway",
        GATEWAY_MESSAGE_RATE="3 per 4 seconds",
        GATEWAY_SESSION_RATE="3 per 4 seconds",
        GATEWAY_MAX_SOCKETS_PER_TENANT="2",
        GATEWAY_TOKEN_TTL_SECONDS=str(TOKEN_TTL),
    )
    try:
        await wait_ready(process.base_url, timeout=90)
        yield process
    finally:
        process.terminate()


@pytest.fixture(scope="module")
async def narrow_gateway(stack: Stack) -> AsyncIterator[ServiceProcess]:
    """A gateway that runs one turn at a time."""
    process = stack.start("gateway", GATEWAY_MAX_TURNS_IN_FLIGHT="1")
    try:
        await wait_ready(process.base_url, timeout=90)
        yield process
    finally:
        process.terminate()


async def refusal(session: ChatSession) -> tuple[dict[str, Any], int | None]:
    """The error frame and close code of a connection the gateway refuses."""
    async with connect(session) as ws:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        return frame, ws.close_code


def on_gateway(session: ChatSession, base_url: str) -> ChatSession:
    """The same session, connecting through another gateway instance."""
    stream = f"{base_url.replace('http', 'ws', 1)}/v1/sessions/{session.session_id}/stream"
    return ChatSession(session.session_id, session.token, stream)


async def test_every_bad_frame_gets_its_error_code_and_the_socket_stays_usable(
    stack: Stack,
) -> None:
    session = await create_session(stack.gateway_url)
    bad_frames = [
        ("{not json", "bad_json"),
        (json.dumps({"type": "shout", "text": "hi"}), "unknown_type"),
        (json.dumps(["user_message"]), "unknown_type"),
        (json.dumps({"text": "no type"}), "unknown_type"),
        (json.dumps({"type": "user_message", "client_message_id": "m-1"}), "invalid_frame"),
        (json.dumps({"type": "resume", "last_seq": -1}), "invalid_frame"),
        (json.dumps({"type": "ping", "extra": 1}), "invalid_frame"),
        (
            json.dumps({"type": "user_message", "client_message_id": "m-2", "text": "x" * 20000}),
            "frame_too_large",
        ),
    ]
    async with connect(session) as ws:
        reader = FrameReader(ws)
        for raw, code in bad_frames:
            await reader.send(raw)
            error = await reader.until("error")
            assert error["code"] == code, (raw[:40], error)
            assert error["detail"]
            await reader.send({"type": "ping"})
            assert (await reader.until("pong"))["seq"] == error["seq"]
        completed = await chat_turn(reader, "How do I report a lost card?", "m-ok")
    assert completed["text"]
    seqs = [f["seq"] for f in reader.frames if f["type"] != "pong"]
    assert seqs == list(range(1, len(seqs) + 1))


async def test_a_binary_frame_is_read_like_text(stack: Stack) -> None:
    session = await create_session(stack.gateway_url)
    async with connect(session) as ws:
        reader = FrameReader(ws)
        await ws.send(b"\xff\xfe not json")
        assert (await reader.until("error"))["code"] == "bad_json"
        await ws.send(json.dumps({"type": "ping"}).encode())
        await reader.until("pong")


async def test_too_many_messages_are_refused_with_retry_after_and_then_accepted(
    stack: Stack, strict_gateway: ServiceProcess
) -> None:
    tenant = await new_tenant(stack.infra)
    session = await create_session(strict_gateway.base_url, api_key=tenant.widget_key)
    async with connect(session) as ws:
        reader = FrameReader(ws)
        for i in range(3):
            await reader.send({"type": "user_message", "client_message_id": f"m{i}", "text": "hi"})
            await reader.until("ack")
        await reader.send({"type": "user_message", "client_message_id": "m3", "text": "hi"})
        error = await reader.until("error")
        assert error["code"] == "rate_limited"
        assert error["client_message_id"] == "m3"
        assert 0 < error["retry_after"] <= 4

        await reader.send({"type": "ping"})
        await reader.until("pong")
        await asyncio.sleep(error["retry_after"] + 0.2)
        await reader.send({"type": "user_message", "client_message_id": "m3", "text": "hi"})
        ack = await reader.until("ack")
    assert ack["client_message_id"] == "m3"


async def test_past_its_turns_in_flight_a_gateway_says_busy_and_takes_the_message_later(
    narrow_gateway: ServiceProcess,
) -> None:
    first, second = [await create_session(narrow_gateway.base_url) for _ in range(2)]
    asking = {"type": "user_message", "client_message_id": "m1", "text": "How do I get a card?"}
    waiting = asking | {"client_message_id": "m2"}
    async with connect(first) as one, connect(second) as other:
        answered, refused = FrameReader(one), FrameReader(other)
        await answered.send(asking)
        await answered.until("ack")
        await refused.send(waiting)  # the first turn takes tens of milliseconds at least
        busy = await refused.until("error")
        assert (busy["code"], busy["client_message_id"], busy["seq"]) == ("busy", "m2", 0)
        assert 0 < busy["retry_after"] <= 30
        await answered.until("answer_completed")
        await asyncio.sleep(busy["retry_after"])
        await refused.send(waiting)
        ack = await refused.until("ack")
        answer = await refused.until("answer_completed")
    assert ack["client_message_id"] == "m2" and answer["turn_id"] == ack["turn_id"]
    assert not [f for f in refused.frames if f["type"] == "error" and f is not busy]


async def test_a_tenant_opening_sessions_too_fast_gets_429_with_retry_after(
    stack: Stack, strict_gateway: ServiceProcess
) -> None:
    tenant = await new_tenant(stack.infra)
    headers = {"X-API-Key": tenant.widget_key}
    async with httpx.AsyncClient(base_url=strict_gateway.base_url, timeout=10) as http:
        for _ in range(3):
            assert (await http.post("/v1/sessions", json={}, headers=headers)).status_code == 201
        refused = await http.post("/v1/sessions", json={}, headers=headers)
        assert refused.status_code == 429
        retry_after = int(refused.headers["Retry-After"])
        assert 1 <= retry_after <= 4
        other = await new_tenant(stack.infra)
        other_headers = {"X-API-Key": other.widget_key}
        assert (await http.post("/v1/sessions", json={}, headers=other_headers)).status_code == 201

        await asyncio.sleep(retry_after + 0.2)
        assert (await http.post("/v1/sessions", json={}, headers=headers)).status_code == 201


async def test_a_tenant_at_its_socket_limit_is_refused_until_one_closes(
    stack: Stack, strict_gateway: ServiceProcess
) -> None:
    tenant = await new_tenant(stack.infra)
    base = strict_gateway.base_url
    sessions = [await create_session(base, api_key=tenant.widget_key) for _ in range(3)]
    # The limit counts the tenant's sockets on every instance: one here, one on the other.
    elsewhere = on_gateway(sessions[1], stack.gateway_url)
    async with connect(sessions[0]) as first, connect(elsewhere) as second:
        for reader in (FrameReader(first), FrameReader(second)):
            await reader.send({"type": "ping"})
            await reader.until("pong")
        frame, close_code = await refusal(sessions[2])
        assert frame["type"] == "error"
        assert frame["code"] == "rate_limited"
        assert frame["retry_after"] > 0
        assert close_code == 4429
    async with connect(sessions[2]) as third:
        reader = FrameReader(third)
        await reader.send({"type": "ping"})
        await reader.until("pong")


async def test_a_socket_without_a_valid_token_for_its_session_is_refused(stack: Stack) -> None:
    session = await create_session(stack.gateway_url)
    other = await create_session(stack.gateway_url)
    cases = {
        "no token": ChatSession(session.session_id, "", session.stream_url),
        "garbage": ChatSession(session.session_id, "a.b.c", session.stream_url),
        "another session's": ChatSession(session.session_id, other.token, session.stream_url),
    }
    for case, attempt in cases.items():
        url = attempt.stream_url + (f"?token={attempt.token}" if attempt.token else "")
        async with websockets.connect(url, open_timeout=10) as ws:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
        outcome = (frame["type"], frame["code"], ws.close_code)
        assert outcome == ("error", "unauthorized", 4401), case


async def test_tokens_expire(stack: Stack, strict_gateway: ServiceProcess) -> None:
    tenant = await new_tenant(stack.infra)
    session = await create_session(strict_gateway.base_url, api_key=tenant.widget_key)
    async with connect(session) as ws:
        reader = FrameReader(ws)
        await reader.send({"type": "ping"})
        await reader.until("pong")
    async with httpx.AsyncClient(base_url=strict_gateway.base_url, timeout=10) as http:
        path = f"/v1/sessions/{session.session_id}/messages"
        auth = {"Authorization": f"Bearer {session.token}"}
        assert (await http.get(path, headers=auth)).status_code == 200

        await asyncio.sleep(max(0.0, session_expiry(session) - time.time()) + 1.1)
        expired = await http.get(path, headers=auth)
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    frame, close_code = await refusal(session)
    assert (frame["code"], close_code) == ("unauthorized", 4401)
    assert "expired" in frame["detail"]


def session_expiry(session: ChatSession) -> float:
    """The `exp` claim of the session's token."""
    payload = session.token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return float(claims["exp"])
