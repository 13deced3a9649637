"""`support dlq list|replay|purge` against a real broker, with messages parked the way the
services park them (retried up to the delivery limit, then dead-lettered)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel
from click.testing import Result
from typer.testing import CliRunner

from contracts import ChatMessageReceived
from support_cli.main import app
from support_core.messaging.topology import (
    DEAD_LETTERS,
    EVENTS,
    parking_queue,
    service_queue,
)
from tests.support.infra import RunInfra

EVENT_TYPE = "chat.message.received"


@dataclass
class Parking:
    """One service's queues, declared the way the service declares them, in a shared vhost."""

    infra: RunInfra
    channel: AbstractChannel
    service: str

    @property
    def work_queue(self) -> str:
        return f"{self.service}.{EVENT_TYPE}"

    @property
    def name(self) -> str:
        return parking_queue(self.service).name

    async def declare(self) -> None:
        events = await self.channel.declare_exchange(EVENTS.name, "topic", durable=True)
        dlx = await self.channel.declare_exchange(DEAD_LETTERS.name, "direct", durable=True)
        parked = parking_queue(self.service)
        parking = await self.channel.declare_queue(
            parked.name, durable=True, arguments=parked.arguments
        )
        await parking.bind(dlx, routing_key=parked.routing())
        work = service_queue(self.service, EVENT_TYPE, delivery_limit=3)
        queue = await self.channel.declare_queue(work.name, durable=True, arguments=work.arguments)
        await queue.bind(events, routing_key=work.routing())

    async def park(self, text: str) -> ChatMessageReceived:
        """Publish an event and fail it on the work queue until the broker parks it."""
        event = ChatMessageReceived(
            tenant_id="demo",
            session_id="s-1",
            correlation_id="turn-1",
            message_id="m-1",
            text=text,
            gateway_instance="gw-1",
        )
        exchange = await self.channel.get_exchange(EVENTS.name)
        await exchange.publish(
            aio_pika.Message(
                event.model_dump_json().encode(),
                message_id=str(event.event_id),
                type=event.event_type,
                content_type="application/json",
            ),
            routing_key=event.event_type,
        )
        queue = await self.channel.get_queue(self.work_queue)
        while await count(self.channel, self.name) == 0:
            message = await queue.get(no_ack=False, fail=False)
            if message is not None:
                await message.nack(requeue=True)
        return event

    async def support(self, *args: str, answer: str = "") -> Result:
        """Run `support dlq ...` against this vhost (in a thread: the CLI runs its own loop)."""
        env = {"RABBITMQ_URL": self.infra.rabbitmq_url, "COLUMNS": "200"}
        return await asyncio.to_thread(
            CliRunner().invoke, app, ["dlq", *args], input=answer, env=env
        )


@contextlib.asynccontextmanager
async def parking_of(infra: RunInfra, service: str) -> AsyncIterator[Parking]:
    """A service's queues in the module's vhost (each test uses a different service)."""
    async with await aio_pika.connect(infra.rabbitmq_url) as connection:
        queues = Parking(infra, await connection.channel(), service)
        await queues.declare()
        yield queues


async def count(channel: AbstractChannel, queue: str) -> int:
    declared = await channel.declare_queue(queue, passive=True)
    return declared.declaration_result.message_count or 0


async def test_list_shows_parked_messages_without_taking_them(module_infra: RunInfra) -> None:
    async with parking_of(module_infra, "audit") as audit:
        event = await audit.park("poison")

        result = await audit.support("list", "audit", "gateway")

        assert result.exit_code == 0, result.output
        assert "audit.parking" in result.output and "gateway.parking" in result.output
        assert EVENT_TYPE in result.output
        assert audit.work_queue in result.output  # where it died
        assert "delivery_limit" in result.output
        assert str(event.event_id) in result.output
        assert await count(audit.channel, audit.name) == 1


async def test_replay_puts_the_message_back_in_its_queue_and_empties_parking(
    module_infra: RunInfra,
) -> None:
    async with parking_of(module_infra, "memory") as memory:
        event = await memory.park("fixed now")

        result = await memory.support("replay", "memory")

        assert result.exit_code == 0, result.output
        assert "replayed 1" in result.output
        assert await count(memory.channel, memory.name) == 0
        replayed = await (await memory.channel.get_queue(memory.work_queue)).get(no_ack=False)
        assert ChatMessageReceived.model_validate_json(replayed.body) == event
        assert replayed.message_id == str(event.event_id)
        assert replayed.type == EVENT_TYPE
        assert "x-death" not in (replayed.headers or {})
        await replayed.ack()


async def test_replay_to_the_exchange_routes_by_the_original_routing_key(
    module_infra: RunInfra,
) -> None:
    async with parking_of(module_infra, "escalation") as escalation:
        event = await escalation.park("again")

        result = await escalation.support("replay", "escalation", "--to", "exchange")

        assert result.exit_code == 0, result.output
        queue = await escalation.channel.get_queue(escalation.work_queue)
        replayed = await queue.get(no_ack=False)
        assert replayed.message_id == str(event.event_id)
        await replayed.ack()


async def test_a_message_that_cannot_be_routed_stays_parked(module_infra: RunInfra) -> None:
    async with parking_of(module_infra, "retrieval") as retrieval:
        await retrieval.park("orphan")
        queue = await retrieval.channel.get_queue(retrieval.work_queue)
        await queue.delete(if_unused=False, if_empty=False)

        result = await retrieval.support("replay", "retrieval")

        assert result.exit_code == 1
        assert "left parked" in result.output
        assert await count(retrieval.channel, retrieval.name) == 1


async def test_purge_asks_first_and_then_empties_the_queue(module_infra: RunInfra) -> None:
    async with parking_of(module_infra, "orchestrator") as orchestrator:
        await orchestrator.park("junk")

        declined = await orchestrator.support("purge", "orchestrator", answer="n\n")
        assert declined.exit_code == 1, declined.output
        assert await count(orchestrator.channel, orchestrator.name) == 1

        purged = await orchestrator.support("purge", "orchestrator", "--yes")
        assert purged.exit_code == 0, purged.output
        assert "deleted 1" in purged.output
        assert await count(orchestrator.channel, orchestrator.name) == 0
