"""Request/reply over an instance's private route, on FastStream's in-memory broker."""

import asyncio

import pytest
from faststream.rabbit import RabbitBroker, TestRabbitBroker

from contracts import EscalationAssessed, EscalationAssessRequested, FramesAppended
from support_core.messaging.broker import subscribe
from support_core.messaging.instance import InstanceRoute, RequestTimeout
from support_core.messaging.publisher import EventPublisher


def ask(text: str) -> EscalationAssessRequested:
    return EscalationAssessRequested(tenant_id="t", session_id="s", text=text)


def answering(broker: RabbitBroker, publisher: EventPublisher, delays: dict[str, float]) -> None:
    """An escalation stand-in that answers each request after the delay its text names (and
    never answers other texts)."""

    async def assess(request: EscalationAssessRequested) -> None:
        if request.text in delays:
            await asyncio.sleep(delays[request.text])
            reply = request.follow(EscalationAssessed, escalate=request.text == "human")
            await publisher.reply(request, reply)

    subscribe(broker, "escalation", EscalationAssessRequested, assess, delivery_limit=3)


async def test_replies_find_their_requests_when_they_arrive_out_of_order(
    broker: RabbitBroker, publisher: EventPublisher
) -> None:
    route = InstanceRoute(broker, publisher, service="orchestrator", instance_id="a")
    answering(broker, publisher, {"slow": 0.05, "human": 0.0, "fast": 0.01})
    async with TestRabbitBroker(broker):
        slow, human, fast = await asyncio.gather(
            *(
                route.request(ask(text), EscalationAssessed, timeout=2)
                for text in ("slow", "human", "fast")
            )
        )
    assert (slow.escalate, human.escalate, fast.escalate) == (False, True, False)


async def test_a_request_nobody_answers_times_out(
    broker: RabbitBroker, publisher: EventPublisher
) -> None:
    route = InstanceRoute(broker, publisher, service="orchestrator", instance_id="a")
    answering(broker, publisher, {})
    async with TestRabbitBroker(broker):
        with pytest.raises(RequestTimeout, match="escalation.assessed within 0.05s"):
            await route.request(ask("anyone?"), EscalationAssessed, timeout=0.05)


async def test_a_reply_of_the_wrong_type_is_refused(
    broker: RabbitBroker, publisher: EventPublisher
) -> None:
    route = InstanceRoute(broker, publisher, service="orchestrator", instance_id="a")

    async def confused(request: EscalationAssessRequested) -> None:
        await publisher.reply(request, request.follow(FramesAppended, seq=1))

    subscribe(broker, "escalation", EscalationAssessRequested, confused, delivery_limit=3)

    async with TestRabbitBroker(broker):
        with pytest.raises(TypeError, match="expected escalation.assessed"):
            await route.request(ask("hi"), EscalationAssessed, timeout=2)


async def test_events_addressed_to_the_instance_reach_their_handler(
    broker: RabbitBroker, publisher: EventPublisher
) -> None:
    route = InstanceRoute(broker, publisher, service="gateway", instance_id="g1")
    received: list[FramesAppended] = []

    async def on_frames(event: object) -> None:
        assert isinstance(event, FramesAppended)
        received.append(event)

    route.on(FramesAppended, on_frames)
    async with TestRabbitBroker(broker):
        await publisher.send_to(route.route, FramesAppended(tenant_id="t", session_id="s", seq=7))
    assert [event.seq for event in received] == [7]
