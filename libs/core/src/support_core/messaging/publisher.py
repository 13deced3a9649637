"""Publishing events: persistent, confirmed, mandatory."""

import logging

from aiormq.abc import FieldValue
from aiormq.exceptions import DeliveryError
from faststream.rabbit import RabbitBroker, RabbitExchange

from contracts import Event
from support_core.messaging.topology import EVENTS, REPLIES
from support_core.observability.context import context_headers

log = logging.getLogger(__name__)


class EventPublisher:
    """Publishes events on `support.events`, or to one instance's route on `support.replies`."""

    def __init__(self, broker: RabbitBroker) -> None:
        self._broker = broker

    async def publish(
        self,
        event: Event,
        *,
        exchange: RabbitExchange = EVENTS,
        routing_key: str | None = None,
        headers: dict[str, FieldValue] | None = None,
    ) -> None:
        """Publish and wait for the broker's confirm; unroutable events raise."""
        await self._broker.publish(
            event.model_dump_json().encode(),
            exchange=exchange,
            routing_key=routing_key or event.event_type,
            message_id=str(event.event_id),
            correlation_id=event.correlation_id,
            content_type="application/json",
            message_type=event.event_type,
            headers={**context_headers(event), **(headers or {})},
            persist=True,
            mandatory=True,
        )

    async def send_to(self, route: str, event: Event) -> None:
        """Publish to one service instance."""
        await self.publish(event, exchange=REPLIES, routing_key=route)

    async def reply(self, request: Event, response: Event) -> None:
        """Answer a request on the route it asked for; requests without one get no reply.

        A route that no longer exists (the asking instance died, or its private queue went
        with a broker restart) drops the reply: the asker has given up or asks again, and
        retrying would only park a healthy request."""
        if not request.reply_to:
            return
        try:
            await self.send_to(request.reply_to, response)
        except DeliveryError:
            log.warning("reply to %s dropped: that route is gone", response.event_type)
