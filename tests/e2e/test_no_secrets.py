"""No token or API key reaches a log line or an exported span: a gateway logging at INFO (its
WebSocket access lines included) serves a customer who passes the session token in the URL, in
the `Authorization` header and as a WebSocket subprotocol, and an admin using an API key."""

import re

import httpx
import pytest
import websockets

from tests.e2e.conftest import Stack
from tests.support.client import DEMO_KEY, FrameReader, chat_turn, create_session
from tests.support.servers import wait_ready

pytestmark = pytest.mark.e2e
JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}")


async def test_no_token_or_key_appears_in_any_log_or_span(stack: Stack) -> None:
    gateway = stack.start("gateway", TELEMETRY_LOG_LEVEL="INFO")
    try:
        await wait_ready(gateway.base_url, timeout=90)
        session = await create_session(gateway.base_url)
        base = gateway.base_url.replace("http", "ws", 1)
        path = session.stream_url.split("/v1/", 1)[1]
        url = f"{base}/v1/{path}"
        for n, connect in enumerate(
            (
                lambda: websockets.connect(f"{url}?token={session.token}", open_timeout=10),
                lambda: websockets.connect(
                    url, additional_headers={"Authorization": f"Bearer {session.token}"}
                ),
                lambda: websockets.connect(url, subprotocols=["bearer", session.token]),  # type: ignore[list-item]
            )
        ):
            async with connect() as socket:
                await chat_turn(FrameReader(socket), "How do I freeze my card?", f"m-{n}")
        async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
            listed = await http.get(
                "/v1/kb/documents?token=not-a-real-one", headers={"X-API-Key": DEMO_KEY}
            )
            assert listed.status_code == 200
    finally:
        assert gateway.terminate() == 0
    logs = gateway.log_path.read_text()
    assert "WebSocket /v1/sessions/" in logs  # the access lines are there, redacted
    everything = logs + "".join(
        path.read_text() for path in [*stack.log_dir.glob("*.log"), *stack.log_dir.glob("*.jsonl")]
    )
    assert session.token not in everything
    assert not JWT.search(everything)
    assert DEMO_KEY not in everything
    assert "not-a-real-one" not in everything
