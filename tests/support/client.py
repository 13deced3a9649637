"""A test client that talks to the gateway the way a browser or app would."""

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

DEMO_KEY = "sk_demo_dev_only_change_me"


@dataclass
class ChatSession:
    """A session created through `POST /v1/sessions`."""

    session_id: str
    token: str
    stream_url: str

    def url(self) -> str:
        """WebSocket URL with the token."""
        return f"{self.stream_url}?token={self.token}"


async def create_session(
    base_url: str, *, api_key: str = DEMO_KEY, customer_id: str | None = None
) -> ChatSession:
    """Open a chat session with a tenant key."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.post(
            "/v1/sessions", json={"customer_id": customer_id}, headers={"X-API-Key": api_key}
        )
    response.raise_for_status()
    body = response.json()
    return ChatSession(body["session_id"], body["token"], body["stream_url"])


@dataclass
class FrameReader:
    """Reads frames from an open socket, remembering all of them."""

    ws: Any
    frames: list[dict[str, Any]] = field(default_factory=list)

    async def next(self, timeout: float = 15.0) -> dict[str, Any]:
        """The next frame."""
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        frame: dict[str, Any] = json.loads(raw)
        self.frames.append(frame)
        return frame

    async def until(self, frame_type: str, timeout: float = 15.0) -> dict[str, Any]:
        """Read until a frame of `frame_type` arrives and return it."""
        while True:
            frame = await self.next(timeout)
            if frame["type"] == frame_type:
                return frame

    async def send(self, frame: dict[str, Any] | str) -> None:
        """Send a frame (a dict is JSON-encoded)."""
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))


def connect(session: ChatSession) -> Any:
    """Open the session's WebSocket."""
    return websockets.connect(session.url(), open_timeout=10)


async def chat_turn(reader: FrameReader, text: str, message_id: str) -> dict[str, Any]:
    """Send a message and return its `answer_completed` frame; a message refused as `busy` is
    sent again after its `retry_after`, as the widget does."""
    message = {"type": "user_message", "client_message_id": message_id, "text": text}
    await reader.send(message)
    while (frame := await reader.next(timeout=30))["type"] != "answer_completed":
        if frame["type"] == "error" and frame["code"] == "busy":
            await asyncio.sleep(frame["retry_after"])
            await reader.send(message)
    return frame
