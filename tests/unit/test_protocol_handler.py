"""The customer's WebSocket protocol, one connection at a time: frames in through
`ProtocolHandler`, frames out through `ClientConnection`'s writer, over an in-memory ASGI socket,
fakeredis and FastStream's in-memory broker."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import fakeredis
import pytest
from faststream.rabbit import RabbitBroker, TestRabbitBroker
from opentelemetry.trace import NoOpTracer
from prometheus_client import CollectorRegistry
from starlette.websockets import WebSocket

from contracts import ChatMessageReceived
from contracts.frames import AnswerCompletedFrame, Csat, Escalated, Feedback
from gateway import sessions
from gateway.agent_feed import AgentFeed
from gateway.feedback import AnswerRatings
from gateway.ratelimit import RateLimit
from gateway.sessions import ChatSession, SessionStore
from gateway.websocket.admission import TurnAdmission
from gateway.websocket.connections import ClientConnection
from gateway.websocket.protocol import ProtocolHandler
from support_core.degraded import RedisGuard
from support_core.frames import FrameEmitter
from support_core.messaging.broker import subscribe
from support_core.messaging.publisher import EventPublisher
from support_core.redis import Keys
from support_core.session_stream import SessionStream
from tests.support.infra import wait_until

ROUTE = "gateway.g1"
SESSION = ChatSession("s1", "t1", "c1")


@dataclass
class Customer:
    """The far end of an in-memory ASGI WebSocket: what the gateway sent, as frames."""

    inbound: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def receive(self) -> dict[str, Any]:
        return await self.inbound.get()

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            self.sent.append(json.loads(message["text"]))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [frame for frame in self.sent if frame["type"] == kind]


class RatingsOnce(AnswerRatings):
    """The gateway's ratings tables (PostgreSQL, no in-memory equivalent) as a set."""

    def __init__(self) -> None:
        self.rated: set[str] = set()

    def _once(self, key: str) -> bool:
        if key in self.rated:
            return False
        self.rated.add(key)
        return True

    async def rate(self, session: ChatSession, feedback: Feedback) -> bool:
        return self._once(feedback.turn_id)

    async def score_help(self, session: ChatSession, csat: Csat) -> bool:
        return self._once(csat.ticket_id)


@dataclass
class Socket:
    """One customer's connection as the gateway serves it."""

    customer: Customer
    handler: ProtocolHandler
    connection: ClientConnection
    stream: SessionStream
    published: list[ChatMessageReceived]
    admission: TurnAdmission

    async def say(self, frame: dict[str, Any] | str) -> None:
        await self.handler.handle(frame if isinstance(frame, str) else json.dumps(frame))

    async def frame(self, kind: str, count: int = 1) -> list[dict[str, Any]]:
        """Wait until `count` frames of this type reached the customer."""
        await wait_until(lambda: len(self.customer.of(kind)) >= count, timeout=2, interval=0.005)
        return self.customer.of(kind)


@pytest.fixture
async def socket(
    redis: fakeredis.FakeAsyncRedis,
    keys: Keys,
    guard: RedisGuard,
    broker: RabbitBroker,
    publisher: EventPublisher,
) -> AsyncIterator[Socket]:
    published: list[ChatMessageReceived] = []

    async def orchestrator(event: ChatMessageReceived) -> None:
        published.append(event)

    subscribe(broker, "orchestrator", ChatMessageReceived, orchestrator, delivery_limit=3)
    customer = Customer()
    customer.inbound.put_nowait({"type": "websocket.connect"})
    websocket = WebSocket(
        {"type": "websocket", "path": "/", "headers": [], "query_string": b""},
        customer.receive,
        customer.send,
    )
    await websocket.accept()
    admission = TurnAdmission(5, deadline=30, metrics=CollectorRegistry())
    stream = SessionStream(redis, keys, guard, holds_sockets=True)
    connection = ClientConnection(
        websocket, stream, tenant_id="t1", session_id="s1", send_timeout=2
    )
    connection.observers.append(admission.saw)
    handler = ProtocolHandler(
        connection,
        SESSION,
        sessions=SessionStore(redis, keys, guard, ttl_seconds=600),
        frames=FrameEmitter(
            stream, publisher, local_route=ROUTE, local_notify=lambda _, seq: connection.notify(seq)
        ),
        ratings=RatingsOnce(),
        feed=AgentFeed(redis, keys, guard),
        message_limit=RateLimit("4/minute", redis, guard, key_prefix="unit:limits"),
        admission=admission,
        publisher=publisher,
        instance_route=ROUTE,
        max_frame_bytes=1024,
        tracer=NoOpTracer(),
    )
    async with TestRabbitBroker(broker):
        writer = asyncio.create_task(connection.run_writer())
        yield Socket(customer, handler, connection, stream, published, admission)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer


def message(client_message_id: str, text: str = "Where is my card?") -> dict[str, str]:
    return {"type": "user_message", "client_message_id": client_message_id, "text": text}


async def test_a_message_is_acked_and_starts_one_turn(socket: Socket) -> None:
    await socket.say(message("m1"))
    (ack,) = await socket.frame("ack")
    (started,) = socket.published
    assert ack["client_message_id"] == "m1" and ack["seq"] == 1
    assert started.correlation_id == ack["turn_id"]
    assert (started.text, started.session_seq, started.gateway_instance) == (
        "Where is my card?",
        1,
        ROUTE,
    )


async def test_the_tenants_agent_consoles_are_told_of_each_new_message(
    socket: Socket, redis: fakeredis.FakeAsyncRedis, keys: Keys, guard: RedisGuard
) -> None:
    events = AgentFeed(redis, keys, guard).follow("t1")
    assert await anext(events) is None  # subscribed
    await socket.say(message("m1"))
    told = await asyncio.wait_for(anext(events), 2)
    assert told == {"type": "message", "session_id": "s1", "role": "customer"}
    await events.aclose()


async def test_a_resent_message_is_acked_again_with_its_turn_and_starts_nothing(
    socket: Socket,
) -> None:
    await socket.say(message("m1"))
    await socket.say(message("m1"))
    first, second = await socket.frame("ack", 2)
    assert first["turn_id"] == second["turn_id"]
    assert len(socket.published) == 1


async def test_a_message_a_dead_gateway_took_but_never_published_is_published_on_retry(
    socket: Socket,
    redis: fakeredis.FakeAsyncRedis,
    keys: Keys,
    guard: RedisGuard,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sessions, "PUBLISH_GRACE_SECONDS", 0.05)
    dead_gateway = SessionStore(redis, keys, guard, ttl_seconds=600)
    taken = await dead_gateway.claim_client_message(SESSION, "m1", "turn-of-the-dead")
    assert taken.publish  # ... and it was killed before publishing
    await socket.say(message("m1"))  # within the grace: it may still be publishing
    await asyncio.sleep(0.1)
    await socket.say(message("m1"))
    await socket.say(message("m1"))
    acks = await socket.frame("ack", 3)
    assert {ack["turn_id"] for ack in acks} == {"turn-of-the-dead"}
    await wait_until(lambda: len(socket.published) == 1, timeout=2)
    (published,) = socket.published
    assert published.correlation_id == "turn-of-the-dead"
    assert published.event_id == uuid5(NAMESPACE_URL, "chat.message.received:turn-of-the-dead")


async def test_past_the_turns_in_flight_a_new_message_is_busy_and_a_resent_one_is_not(
    socket: Socket,
) -> None:
    socket.admission.limit = 1
    await socket.say(message("m1"))
    await socket.say(message("m2"))  # one turn in flight: the limit
    (busy,) = await socket.frame("error")
    assert busy["code"] == "busy" and busy["client_message_id"] == "m2"
    assert 0 < busy["retry_after"] <= 1.0 and busy["seq"] == 0  # outside the stream
    await socket.say(message("m1"))  # a re-sent message is some turn's already
    first, again = await socket.frame("ack", 2)
    assert first["turn_id"] == again["turn_id"] and len(socket.published) == 1
    answer = AnswerCompletedFrame(turn_id=first["turn_id"], text="It is on its way.")
    appended = await socket.stream.append("t1", "s1", answer)
    assert appended is not None
    socket.connection.notify(appended.seq)
    await socket.frame("answer_completed")
    await socket.say(message("m2"))  # its place is free again
    await wait_until(lambda: len(socket.published) == 2, timeout=2)
    assert socket.published[1].message_id == "m2"


async def test_messages_over_the_limit_get_rate_limited_with_a_retry_time(socket: Socket) -> None:
    for number in range(5):
        await socket.say(message(f"m{number}"))
    (error,) = await socket.frame("error")
    assert error["code"] == "rate_limited" and error["client_message_id"] == "m4"
    assert 0 < error["retry_after"] <= 60
    assert len(socket.published) == 4


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{", "bad_json"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "user_message", "client_message_id": "m1"}', "invalid_frame"),
        ('{"type": "ping", "pad": "' + "x" * 2000 + '"}', "frame_too_large"),
    ],
)
async def test_a_bad_frame_gets_its_error_code(socket: Socket, raw: str, code: str) -> None:
    await socket.say(raw)
    (error,) = await socket.frame("error")
    assert error["code"] == code
    assert socket.published == []


async def test_ping_is_answered_with_the_latest_seq_outside_the_stream(socket: Socket) -> None:
    await socket.say(message("m1"))
    await socket.frame("ack")
    await socket.say({"type": "ping"})
    (pong,) = await socket.frame("pong")
    assert pong["seq"] == 1


async def test_resume_sends_again_what_the_client_missed_in_order(socket: Socket) -> None:
    for number in range(3):
        await socket.say(message(f"m{number}"))
    await socket.frame("ack", 3)
    await socket.say({"type": "resume", "last_seq": 1})
    acks = await socket.frame("ack", 5)
    assert [frame["seq"] for frame in acks] == [1, 2, 3, 2, 3]


async def test_an_answer_is_rated_once_and_an_unknown_turn_not_at_all(socket: Socket) -> None:
    answer = AnswerCompletedFrame(turn_id="turn-9", text="Your card is on its way.")
    appended = await socket.stream.append("t1", "s1", answer)
    assert appended is not None
    rating = {"type": "feedback", "turn_id": "turn-9", "rating": "up"}
    await socket.say(rating)
    await socket.say(rating)
    await socket.say(rating | {"turn_id": "turn-of-another-session"})
    (rated,) = await socket.frame("rated")
    errors = await socket.frame("error", 2)
    assert rated["turn_id"] == "turn-9"
    assert [error["code"] for error in errors] == ["already_rated", "unknown_turn"]


async def test_a_frame_another_producer_stored_goes_out_once_the_socket_is_told(
    socket: Socket,
) -> None:
    await socket.say(message("m1"))
    await socket.frame("ack")
    answer = AnswerCompletedFrame(turn_id="turn-1", text="Done.")
    appended = await socket.stream.append("t1", "s1", answer)
    assert appended is not None and appended.instances == []  # this socket never attached
    assert socket.customer.of("answer_completed") == []
    socket.connection.notify(appended.seq)  # what the gateway does when the doorbell rings
    (frame,) = await socket.frame("answer_completed")
    assert (frame["text"], frame["seq"]) == ("Done.", 2)


async def test_a_resolved_hand_off_is_scored_once_and_only_a_resolved_one(socket: Socket) -> None:
    waiting = Escalated(ticket_id="T-1", reason="human_request", message="…", state="waiting")
    await socket.stream.append("t1", "s1", waiting)
    csat = {"type": "csat", "ticket_id": "T-1", "score": 5}
    await socket.say(csat)  # not resolved yet
    resolved = Escalated(ticket_id="T-1", reason="resolved", message="…", state="resolved")
    await socket.stream.append("t1", "s1", resolved)
    await socket.say(csat)
    await socket.say(csat | {"score": 2})
    await socket.say(csat | {"score": 0})
    (recorded,) = await socket.frame("csat_recorded")
    errors = await socket.frame("error", 3)
    assert (recorded["ticket_id"], recorded["score"]) == ("T-1", 5)
    assert [e["code"] for e in errors] == ["unknown_ticket", "already_rated", "invalid_frame"]
    assert errors[0]["ticket_id"] == "T-1"
