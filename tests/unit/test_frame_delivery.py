"""Frames into the session stream and doorbells to the gateways holding the session, on
fakeredis and FastStream's in-memory broker."""

import asyncio

import fakeredis
from faststream.rabbit import RabbitBroker, TestRabbitBroker

from contracts import FramesAppended
from contracts.frames import AnswerDeltaFrame, Typing
from support_core.degraded import RedisGuard
from support_core.frames import FrameEmitter, ThrottledFrames
from support_core.messaging.instance import InstanceRoute
from support_core.messaging.publisher import EventPublisher
from support_core.redis import Keys
from support_core.session_stream import SessionStream
from tests.support.infra import wait_until

TURN = "turn-1"


def doorbell(seq: int) -> FramesAppended:
    return FramesAppended(tenant_id="t", session_id="s", seq=seq)


def delta(text: str) -> AnswerDeltaFrame:
    return AnswerDeltaFrame(turn_id=TURN, text=text)


def gateway_inbox(
    broker: RabbitBroker, publisher: EventPublisher, name: str
) -> list[FramesAppended]:
    """What one gateway instance's private route receives."""
    received: list[FramesAppended] = []

    async def rung(event: object) -> None:
        assert isinstance(event, FramesAppended)
        received.append(event)

    InstanceRoute(broker, publisher, service="gateway", instance_id=name).on(FramesAppended, rung)
    return received


def throttled(stream: SessionStream, publisher: EventPublisher) -> ThrottledFrames:
    """Frames of session s, lingering 50 ms, falling back to gateway g1's route."""
    return ThrottledFrames(
        FrameEmitter(stream, publisher), "t", "s", fallback_route="gateway.g1", linger=0.05
    )


async def test_frames_are_numbered_in_order_and_each_holding_gateway_is_rung_once(
    redis: fakeredis.FakeAsyncRedis,
    keys: Keys,
    guard: RedisGuard,
    broker: RabbitBroker,
    publisher: EventPublisher,
) -> None:
    stream = SessionStream(redis, keys, guard)
    inboxes = {name: gateway_inbox(broker, publisher, name) for name in ("g1", "g2", "g3")}
    for name in ("g1", "g2"):
        await stream.attach("t", "s", f"gateway.{name}")
    emitter = FrameEmitter(stream, publisher)
    async with TestRabbitBroker(broker):
        seqs = [
            await emitter.emit("t", "s", Typing(turn_id=TURN, state="on"), doorbell)
            for _ in range(3)
        ]
    assert seqs == [1, 2, 3]
    assert [e.seq for e in inboxes["g1"]] == [1, 2, 3] == [e.seq for e in inboxes["g2"]]
    assert inboxes["g3"] == []
    assert [f["seq"] for f in await stream.read_after("t", "s", 1)] == [2, 3]


async def test_the_local_gateway_is_told_directly_not_through_the_broker(
    redis: fakeredis.FakeAsyncRedis,
    keys: Keys,
    guard: RedisGuard,
    broker: RabbitBroker,
    publisher: EventPublisher,
) -> None:
    stream = SessionStream(redis, keys, guard, holds_sockets=True)
    inbox = gateway_inbox(broker, publisher, "g1")
    await stream.attach("t", "s", "gateway.g1")
    told: list[tuple[str, int]] = []
    emitter = FrameEmitter(
        stream, publisher, local_route="gateway.g1", local_notify=lambda s, q: told.append((s, q))
    )
    async with TestRabbitBroker(broker):
        await emitter.emit("t", "s", Typing(turn_id=TURN, state="on"), doorbell)
    assert told == [("s", 1)]
    assert inbox == []


async def test_frames_within_the_linger_go_out_in_one_write_and_one_doorbell(
    redis: fakeredis.FakeAsyncRedis,
    keys: Keys,
    guard: RedisGuard,
    broker: RabbitBroker,
    publisher: EventPublisher,
) -> None:
    stream = SessionStream(redis, keys, guard)
    inbox = gateway_inbox(broker, publisher, "g1")
    await stream.attach("t", "s", "gateway.g1")
    frames = throttled(stream, publisher)
    async with TestRabbitBroker(broker):
        for word in ("Your ", "card ", "is "):
            await frames.send(delta(word), doorbell)
        assert inbox == []  # the first frame waits for the others too
        await asyncio.sleep(0.1)
        assert [e.seq for e in inbox] == [3]
        last = await frames.finish(delta("frozen."), doorbell)
    assert last == 4
    assert [e.seq for e in inbox] == [3, 4]
    texts = [f["text"] for f in await stream.read_after("t", "s", 0)]
    assert texts == ["Your ", "card ", "is ", "frozen."]


async def test_without_redis_a_producer_hands_its_frames_to_the_gateway_holding_the_socket(
    redis_server: fakeredis.FakeServer,
    redis: fakeredis.FakeAsyncRedis,
    keys: Keys,
    guard: RedisGuard,
    broker: RabbitBroker,
    publisher: EventPublisher,
) -> None:
    stream = SessionStream(redis, keys, guard)
    inbox = gateway_inbox(broker, publisher, "g1")
    frames = throttled(stream, publisher)
    redis_server.connected = False
    async with TestRabbitBroker(broker):
        assert await frames.finish(delta("Hello."), doorbell) == 0
    (event,) = inbox
    assert event.seq == 0 and [f for f in event.frames if '"Hello."' in f]
    assert guard.degraded


async def test_a_gateway_numbers_on_through_an_outage_and_copies_its_frames_back(
    redis_server: fakeredis.FakeServer,
    redis: fakeredis.FakeAsyncRedis,
    keys: Keys,
    guard: RedisGuard,
) -> None:
    stream = SessionStream(redis, keys, guard, holds_sockets=True)
    await stream.append("t", "s", delta("before "))
    redis_server.connected = False
    held = await stream.append("t", "s", delta("during "), delta("outage."))
    assert held is not None and held.held and held.seq == 3
    assert [f["seq"] for f in await stream.read_after("t", "s", 1)] == [2, 3]
    redis_server.connected = True
    await wait_until(lambda: not guard.degraded, timeout=2, interval=0.01)
    texts = [f["text"] for f in await SessionStream(redis, keys, guard).read_after("t", "s", 0)]
    assert texts == ["before ", "during ", "outage."]
