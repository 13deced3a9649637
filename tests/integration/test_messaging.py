"""The messaging foundation against the real broker: dead-lettering, replies, unroutable events."""

import asyncio
import uuid

import aio_pika
import pytest
from aio_pika.exceptions import DeliveryError

from contracts import ChatMessageReceived, RetrievalCompleted, RetrievalRequested
from support_core.runtime import ServiceRuntime
from support_core.settings import ServiceSettings
from tests.support.infra import RunInfra, wait_until

pytestmark = pytest.mark.integration


def probe_settings(name: str) -> ServiceSettings:
    return ServiceSettings(service_name=f"{name}-{uuid.uuid4().hex[:6]}")


def message(**fields: object) -> ChatMessageReceived:
    return ChatMessageReceived(
        tenant_id="acme",
        session_id="s1",
        correlation_id=str(uuid.uuid4()),
        message_id="m1",
        text="hello",
        gateway_instance="gateway.test",
        **fields,  # type: ignore[arg-type]
    )


async def queue_depth(infra: RunInfra, queue: str) -> int:
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)


async def test_a_message_that_always_fails_is_parked_after_the_delivery_limit(
    infra: RunInfra,
) -> None:
    runtime = ServiceRuntime(probe_settings("failing"))
    attempts: list[str] = []

    @runtime.consumer(ChatMessageReceived)
    async def always_fails(event: ChatMessageReceived) -> None:
        attempts.append(str(event.event_id))
        raise RuntimeError("poison")

    await runtime.start()
    try:
        poison = message()
        await runtime.publisher.publish(poison)
        parking = f"{runtime.service}.parking"
        await wait_until(lambda: queue_depth(infra, parking), timeout=20)
        limit = runtime.settings.rabbitmq.delivery_limit
        assert attempts == [str(poison.event_id)] * (limit + 1)
        assert await queue_depth(infra, f"{runtime.service}.chat.message.received") == 0
        # Once parked it is not delivered again: a later event is handled, the poison is not.
        follower = message()
        await runtime.publisher.publish(follower)
        await wait_until(lambda: str(follower.event_id) in attempts, timeout=10)
        assert attempts.count(str(poison.event_id)) == limit + 1
    finally:
        await runtime.stop()

    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(parking, passive=True)
        parked = await queue.get(no_ack=True)
        assert parked.message_id == str(poison.event_id)
        assert parked.headers["x-first-death-reason"] == "delivery_limit"


async def test_many_requests_are_in_flight_at_once_over_the_instance_route(
    infra: RunInfra,
) -> None:
    responder = ServiceRuntime(probe_settings("responder"))
    requester = ServiceRuntime(probe_settings("requester"), instance_route=True)
    in_flight = 50
    arrived: list[RetrievalRequested] = []
    all_arrived = asyncio.Event()

    @responder.consumer(RetrievalRequested)
    async def answer(request: RetrievalRequested) -> None:
        # Reply only once every request is waiting: serialised requests would never get here.
        arrived.append(request)
        if len(arrived) == in_flight:
            all_arrived.set()
        await all_arrived.wait()
        await responder.publisher.reply(request, request.follow(RetrievalCompleted, chunks=[]))

    await responder.start()
    await requester.start()
    try:
        requests = [
            RetrievalRequested(tenant_id="acme", session_id=f"s{i}", query=f"q{i}")
            for i in range(in_flight)
        ]
        replies = await asyncio.gather(
            *(requester.instance.request(r, RetrievalCompleted, timeout=15) for r in requests)
        )
        assert [reply.causation_id for reply in replies] == [r.event_id for r in requests]
    finally:
        await requester.stop()
        await responder.stop()


async def test_an_unroutable_event_is_an_error_not_silence(infra: RunInfra) -> None:
    runtime = ServiceRuntime(probe_settings("publisher"))
    await runtime.start()
    try:
        with pytest.raises(DeliveryError):
            await runtime.publisher.send_to("nobody.listens.here", message())
    finally:
        await runtime.stop()


async def test_a_reply_to_a_route_that_is_gone_is_dropped_not_parked(infra: RunInfra) -> None:
    """The asker died (or its private queue went with a broker restart): retrying the request
    could never deliver its reply, so the request is done and nothing is parked."""
    responder = ServiceRuntime(probe_settings("responder"))
    handled: list[str] = []

    @responder.consumer(RetrievalRequested)
    async def answer(request: RetrievalRequested) -> None:
        await responder.publisher.reply(request, request.follow(RetrievalCompleted, chunks=[]))
        handled.append(str(request.event_id))

    await responder.start()
    try:
        request = RetrievalRequested(
            tenant_id="acme", session_id="s1", query="q", reply_to="orchestrator.gone"
        )
        await responder.publisher.publish(request)
        await wait_until(lambda: handled == [str(request.event_id)], timeout=10)
        await asyncio.sleep(1)
        assert handled == [str(request.event_id)]
        assert await queue_depth(infra, f"{responder.service}.parking") == 0
    finally:
        await responder.stop()
