"""A service instance's private queue: replies to its requests and events addressed to it."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

from faststream import AckPolicy
from faststream.rabbit import RabbitBroker

from contracts import Event, parse_event
from support_core.messaging.publisher import EventPublisher
from support_core.messaging.topology import REPLIES, instance_queue, instance_route

E = TypeVar("E", bound=Event)
Handler = Callable[[Event], Awaitable[None]]


class RequestTimeout(TimeoutError):
    """No reply arrived in time."""


class InstanceRoute:
    """Correlated request/reply over events, many in flight at once (not `broker.request()`)."""

    def __init__(
        self, broker: RabbitBroker, publisher: EventPublisher, *, service: str, instance_id: str
    ) -> None:
        self.route = instance_route(service, instance_id)
        self._publisher = publisher
        self._pending: dict[UUID, asyncio.Future[Event]] = {}
        self._handlers: dict[str, Handler] = {}
        broker.subscriber(
            instance_queue(service, instance_id), REPLIES, ack_policy=AckPolicy.REJECT_ON_ERROR
        )(self._receive)

    def on(self, event_cls: type[Event], handler: Handler) -> None:
        """Handle events of this type addressed to this instance that answer no request."""
        self._handlers[event_cls.routing_key()] = handler

    async def request(self, event: Event, reply_cls: type[E], *, timeout: float) -> E:
        """Publish `event` asking for a reply on our route and wait for it."""
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._pending[event.event_id] = future
        try:
            await self._publisher.publish(event.with_reply_to(self.route))
            async with asyncio.timeout(timeout):
                reply = await future
        except TimeoutError:
            raise RequestTimeout(f"no {reply_cls.routing_key()} within {timeout}s") from None
        finally:
            self._pending.pop(event.event_id, None)
        if not isinstance(reply, reply_cls):
            raise TypeError(f"expected {reply_cls.routing_key()}, got {reply.event_type}")
        return reply

    async def _receive(self, body: bytes) -> None:
        event = parse_event(body)
        future = self._pending.get(event.causation_id) if event.causation_id else None
        if future is not None:
            if not future.done():
                future.set_result(event)
            return
        handler = self._handlers.get(event.event_type)
        if handler is not None:
            await handler(event)
