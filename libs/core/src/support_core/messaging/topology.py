"""Exchanges and queues of the platform, declared the same way by every service."""

from typing import Any

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue

EVENTS = RabbitExchange("support.events", type=ExchangeType.TOPIC, durable=True)
"""Every domain event, routing key = event type."""

REPLIES = RabbitExchange("support.replies", type=ExchangeType.DIRECT, durable=True)
"""Events addressed to one service instance (replies, frames for a gateway's sockets)."""

ESCALATIONS = RabbitExchange("support.escalations", type=ExchangeType.TOPIC, durable=True)
"""Ticket lifecycle for downstream ticketing and CRM systems."""

DEAD_LETTERS = RabbitExchange("support.dlx", type=ExchangeType.DIRECT, durable=True)
"""Messages a service gave up on, routed to that service's parking queue."""


def dead_letter_arguments(service: str) -> dict[str, Any]:
    """Queue arguments that send rejected messages to the service's parking queue."""
    return {
        "x-dead-letter-exchange": DEAD_LETTERS.name,
        "x-dead-letter-routing-key": service,
    }


def service_queue(
    service: str, routing_key: str, *, delivery_limit: int, name: str | None = None
) -> RabbitQueue:
    """A durable quorum queue: failed messages are retried `delivery_limit` times, then parked."""
    arguments = dead_letter_arguments(service) | {
        "x-delivery-limit": delivery_limit,
        # Dead-lettering out of a quorum queue is at-most-once unless both of these are set.
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    return RabbitQueue(  # type: ignore[call-overload,no-any-return]
        f"{service}.{name or routing_key}",
        queue_type=QueueType.QUORUM,
        durable=True,
        routing_key=routing_key,
        arguments=arguments,
    )


def parking_queue(service: str) -> RabbitQueue:
    """Where a service's poison messages wait for an operator (`support dlq`)."""
    return RabbitQueue(
        f"{service}.parking", queue_type=QueueType.QUORUM, durable=True, routing_key=service
    )


def instance_route(service: str, instance_id: str) -> str:
    """Routing key on `support.replies` of one service instance."""
    return f"{service}.{instance_id}"


def instance_queue(service: str, instance_id: str) -> RabbitQueue:
    """The private queue of one service instance; it disappears with the instance."""
    route = instance_route(service, instance_id)
    return RabbitQueue(  # type: ignore[call-overload,no-any-return]
        route,
        queue_type=QueueType.CLASSIC,
        durable=False,
        auto_delete=True,
        routing_key=route,
        arguments=dead_letter_arguments(service),
    )
