"""Hostile clients on the customer's WebSocket: random and malformed frames, huge frames,
invalid UTF-8, floods of frames and of connections, protocol violations. Every bad frame gets an
`error` frame with a code (or, for what breaks the WebSocket itself, a close with a code), the
gateway stays ready, and no connection is left behind."""

import asyncio
import json
import random
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.frames import ErrorCode
from tests.hostile.conftest import running_gateway
from tests.support.client import ChatSession, create_session
from tests.support.infra import RunInfra, wait_until
from tests.support.servers import ServiceProcess

pytestmark = pytest.mark.e2e
CODES = set(ErrorCode.__args__)  # type: ignore[attr-defined]
CONNECTIONS = re.compile(r"^support_websocket_connections (\S+)$", re.MULTILINE)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FRAMES = (
    st.dictionaries(
        st.sampled_from(["type", "client_message_id", "text", "last_seq", "attachments", "x"]),
        JSON_VALUES,
        max_size=5,
    )
    | JSON_VALUES
)


async def open_sockets(gateway: ServiceProcess) -> float:
    async with httpx.AsyncClient(timeout=10) as http:
        text = (await http.get(f"{gateway.base_url}/metrics")).text
    match = CONNECTIONS.search(text)
    return float(match.group(1)) if match else 0.0


@pytest.fixture(scope="module")
async def gateway(
    hostile_infra: RunInfra, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServiceProcess]:
    """The fuzzed gateway pings every 5 s: a socket whose loss it did not notice is let go by the
    keepalive within 10 s. (The Autobahn cases run against the default 20 s: a ping in the
    middle of a case is not what the case expects.)"""
    async with running_gateway(
        hostile_infra, tmp_path_factory, GATEWAY_WEBSOCKET_PING_SECONDS="5"
    ) as process:
        yield process


def connect(session: ChatSession) -> websockets.ClientConnection:
    return websockets.connect(session.url(), open_timeout=10, max_size=2**22)


async def error_for(socket: websockets.ClientConnection) -> dict[str, object]:
    """The next `error` frame (acks and other frames of valid messages are skipped)."""
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if frame["type"] == "error":
            return frame  # type: ignore[no-any-return]
        assert frame["type"] in {"ack", "typing", "answer_delta", "pong"}, frame


async def test_random_frames_each_get_a_coded_error_and_the_socket_stays_open(
    gateway: ServiceProcess,
) -> None:
    session = await create_session(gateway.base_url)
    sent: list[object] = []

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(frame=FRAMES)
    def collect(frame: object) -> None:
        sent.append(frame)

    collect()
    async with connect(session) as socket:
        for frame in sent:
            await socket.send(json.dumps(frame))
            kind = frame.get("type") if isinstance(frame, dict) else None
            if isinstance(kind, str) and kind in {"ping", "resume", "user_message"}:
                continue  # may be valid: a pong, an ack, or nothing
            error = await error_for(socket)
            assert error["code"] in CODES, error
        await socket.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] in {"pong", "ack"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_json"),
        ('{"type": "user_message"', "bad_json"),
        ("[]", "unknown_type"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "resume", "last_seq": -4}', "invalid_frame"),
        ('{"type": "user_message", "client_message_id": "", "text": "hi"}', "invalid_frame"),
        ('{"type": "user_message", "client_message_id": "m", "text": ""}', "invalid_frame"),
        ('{"type": "ping", "extra": 1}', "invalid_frame"),
        (
            '{"type": "user_message", "client_message_id": "m", "text": "' + "x" * 9000 + '"}',
            "invalid_frame",
        ),
        ("x" * 70_000, "frame_too_large"),
        (b"\xff\xfe binary garbage \x00", "bad_json"),
    ],
)
async def test_each_malformed_frame_gets_its_error_code(
    gateway: ServiceProcess, raw: str | bytes, code: str
) -> None:
    session = await create_session(gateway.base_url)
    async with connect(session) as socket:
        await socket.send(raw)
        assert (await error_for(socket))["code"] == code


@pytest.mark.parametrize(
    ("payload", "code"),
    [(b"\xc3\x28", 1007), ("x" * (2**20 + 10), 1009)],
    ids=["invalid UTF-8 text", "over 1 MiB"],
)
async def test_what_breaks_the_websocket_itself_closes_it_and_the_next_socket_works(
    gateway: ServiceProcess, payload: str | bytes, code: int
) -> None:
    """A text frame that is not UTF-8, or a message over the limit: the socket is closed (with
    the code, or failed at once, as RFC 6455 allows) and the session carries on."""
    session = await create_session(gateway.base_url)
    async with connect(session) as socket:
        await socket.send(payload, text=True)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is None or closed.value.rcvd.code == code
    async with connect(session) as socket:
        await socket.send('{"type": "ping"}')
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "pong"


async def test_a_flood_of_frames_is_rate_limited_and_the_gateway_stays_ready(
    gateway: ServiceProcess,
) -> None:
    session = await create_session(gateway.base_url)
    async with connect(session) as socket:
        for n in range(60):
            await socket.send(
                json.dumps({"type": "user_message", "client_message_id": f"f{n}", "text": "hi"})
            )
        for _ in range(300):
            await socket.send("{")
        frames = []
        while len(frames) < 60 + 300 and (raw := await asyncio.wait_for(socket.recv(), 15)):
            frames.append(json.loads(raw))
            if sum(f["type"] == "error" and f["code"] == "bad_json" for f in frames) == 300:
                break
    codes = {f.get("code") for f in frames if f["type"] == "error"}
    assert "rate_limited" in codes and "bad_json" in codes
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(f"{gateway.base_url}/readyz")).status_code == 200


async def test_many_connections_opened_and_dropped_leave_none_behind(
    gateway: ServiceProcess,
) -> None:
    """Counted from zero: a socket an earlier test closed may still be closing server-side, so
    a count taken at the start could be one that the gateway never returns to."""

    async def none_open() -> bool:
        return await open_sockets(gateway) == 0

    await wait_until(none_open, timeout=30, interval=0.5)
    sessions = await asyncio.gather(*(create_session(gateway.base_url) for _ in range(20)))
    rng = random.Random(7)
    for _ in range(5):
        sockets = await asyncio.gather(*(connect(s) for s in sessions))
        for socket in sockets:
            if rng.random() < 0.5:
                await socket.send('{"type": "ping"}')
            transport = socket.transport
            if rng.random() < 0.5:
                transport.abort()  # vanish without a close frame
            else:
                await socket.close()

    await wait_until(none_open, timeout=30, interval=0.5)
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(f"{gateway.base_url}/readyz")).status_code == 200


async def test_a_bad_token_or_another_sessions_token_is_refused_with_4401(
    gateway: ServiceProcess,
) -> None:
    mine, other = await create_session(gateway.base_url), await create_session(gateway.base_url)
    for token in ("garbage", other.token, ""):
        url = f"{mine.stream_url}?token={token}"
        async with websockets.connect(url, open_timeout=10) as socket:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
        assert frame["code"] == "unauthorized"
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
