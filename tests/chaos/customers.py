"""Customers who behave as real clients do while something breaks.

Each customer sends its messages one after another over the gateway's WebSocket. On a dropped
socket, a refused connection, or `silence` seconds without a frame, it reconnects, sends
`resume` with the last `seq` it saw, and re-sends its unanswered message with the same
`client_message_id`; an `error` frame that asks for the message again (`unavailable`, `busy`)
gets it again after its `retry_after`. It keeps every frame, so the books can be checked
afterwards.
"""

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import websockets

from tests.support.client import ChatSession, create_session

RETRYABLE = frozenset({"unavailable", "busy", "rate_limited"})
QUESTIONS = (
    "How do I freeze my card?",
    "What does an international transfer cost?",
    "How long does a replacement card take?",
    "Can I change my address online?",
    "Why was my payment declined?",
    "How do I reset my PIN?",
)


@dataclass
class Customer:
    """One session's client."""

    session: ChatSession
    tag: str
    frames: list[dict[str, Any]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    answered: dict[str, set[str]] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)
    timeouts: int = 0
    reconnects: int = 0
    last_seq: int = 0

    def answer_turns(self, message_id: str) -> set[str]:
        """Turns whose answer the client received for one of its messages."""
        return self.answered.get(message_id, set())

    def _take(self, frame: dict[str, Any], acks: dict[str, str]) -> None:
        seq = int(frame.get("seq") or 0)
        if seq and seq <= self.last_seq and frame["type"] != "pong":
            return  # a frame already seen, sent again by a resume
        self.frames.append(frame)
        self.last_seq = max(self.last_seq, seq)
        if frame["type"] == "ack":
            acks[frame["turn_id"]] = frame["client_message_id"]
        elif frame["type"] == "answer_completed":
            message_id = frame.get("client_message_id") or acks.get(frame["turn_id"])
            if message_id:
                self.answered.setdefault(message_id, set()).add(frame["turn_id"])
        elif frame["type"] == "error" and frame.get("code") == "turn_timeout":
            self.timeouts += 1

    async def run(
        self, *, until: float, think: float, silence: float, give_up: float, turns: int = 0
    ) -> None:
        """Send messages, each answered before the next and `think` seconds after it, until the
        monotonic time `until` (and at least `turns`); stop after `give_up` seconds without an
        answer to the current one."""
        acks: dict[str, str] = {}
        socket: Any = None
        n = -1
        try:
            while time.monotonic() < until or n + 1 < turns:
                n += 1
                if n:
                    await asyncio.sleep(think)
                message_id = f"{self.tag}-{n}-{uuid.uuid4().hex[:6]}"
                text = f"{QUESTIONS[n % len(QUESTIONS)]} ({self.tag} #{n})"
                self.sent.append(message_id)
                started = time.monotonic()
                frame = {"type": "user_message", "client_message_id": message_id, "text": text}
                pending = True
                while message_id not in self.answered:
                    if time.monotonic() - started > give_up:
                        return
                    if socket is None:
                        socket = await self._connect()
                        if socket is None:
                            await asyncio.sleep(0.5)
                            continue
                        pending = True
                    try:
                        if pending:
                            await socket.send(json.dumps(frame))
                            pending = False
                        raw = await asyncio.wait_for(socket.recv(), silence)
                        received = json.loads(raw)
                        self._take(received, acks)
                        if _retry_later(received, message_id):
                            await asyncio.sleep(received.get("retry_after") or 1.0)
                            pending = True
                    except (TimeoutError, websockets.WebSocketException, OSError):
                        with_socket, socket = socket, None
                        await _close(with_socket)
                        self.reconnects += 1
                self.waits.append(time.monotonic() - started)
        finally:
            await _close(socket)

    async def _connect(self) -> Any:
        try:
            socket = await websockets.connect(
                self.session.stream_url,
                subprotocols=["bearer", self.session.token],  # type: ignore[list-item]
                open_timeout=5,
            )
            await socket.send(json.dumps({"type": "resume", "last_seq": self.last_seq}))
            return socket
        except (websockets.WebSocketException, OSError, TimeoutError):
            return None


def _retry_later(frame: dict[str, Any], message_id: str) -> bool:
    """The gateway could not take this message now and asks for it again."""
    return (
        frame.get("type") == "error"
        and frame.get("client_message_id") == message_id
        and frame.get("code") in RETRYABLE
    )


async def _close(socket: Any) -> None:
    if socket is not None:
        try:
            await asyncio.wait_for(socket.close(), 2)
        except Exception:  # the socket is already gone
            return


async def customers(base_url: str, count: int, tag: str) -> list[Customer]:
    """Fresh sessions, one customer each."""
    sessions = await asyncio.gather(
        *(create_session(base_url, customer_id=f"chaos-{tag}-{i}") for i in range(count))
    )
    return [Customer(session, f"{tag}{i}") for i, session in enumerate(sessions)]


async def drive(
    crowd: list[Customer],
    seconds: float,
    *,
    think: float = 0.2,
    turns: int = 0,
    silence: float = 20.0,
    give_up: float = 120.0,
) -> None:
    """Every customer talks for `seconds` (at least `turns` messages each), all at once."""
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(
            c.run(until=until, think=think, turns=turns, silence=silence, give_up=give_up)
            for c in crowd
        )
    )
