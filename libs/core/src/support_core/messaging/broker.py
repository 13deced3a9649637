"""The broker every service uses: confirms, mandatory publishing, bounded prefetch, DLX queues."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry

from contracts import Event
from support_core.messaging.topology import EVENTS, service_queue
from support_core.messaging.transient import patient
from support_core.settings import RabbitSettings

E = TypeVar("E", bound=Event)


async def raw_body(message: StreamMessage[Any]) -> bytes:
    """Decoder that hands handlers the message body untouched."""
    return message.body


def create_broker(
    settings: RabbitSettings,
    *,
    service: str,
    metrics: CollectorRegistry,
    tracer_provider: TracerProvider,
) -> RabbitBroker:
    """Build (not connect) the service's broker."""
    return RabbitBroker(
        settings.url.get_secret_value(),
        default_channel=Channel(
            prefetch_count=settings.prefetch, publisher_confirms=True, on_return_raises=True
        ),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        # Handlers get the raw body and parse it with pydantic themselves: FastDepends would
        # resolve context parameters through a task group and a thread-pool hop per message.
        apply_types=False,
        decoder=raw_body,
        graceful_timeout=settings.graceful_timeout,
        reconnect_interval=1.0,
        app_id=service,
        logger=logging.getLogger(f"{service}.broker"),
        log_level=logging.DEBUG,
        middlewares=(
            RabbitTelemetryMiddleware(tracer_provider=tracer_provider),
            RabbitPrometheusMiddleware(registry=metrics, app_name=service),
        ),
    )


def subscribe_raw(
    broker: RabbitBroker,
    service: str,
    routing_key: str,
    handler: Callable[[bytes], Awaitable[None]],
    *,
    delivery_limit: int,
    name: str | None = None,
    prefetch: int | None = None,
    patience: float = 30.0,
) -> None:
    """Consume raw bodies bound by `routing_key` through the service's own durable queue; a
    handler that fails because a dependency is restarting is retried (`transient.py`)."""
    queue = service_queue(service, routing_key, delivery_limit=delivery_limit, name=name)
    channel = Channel(prefetch_count=prefetch) if prefetch else None
    broker.subscriber(queue, EVENTS, channel=channel)(patient(handler, patience=patience))


def subscribe(
    broker: RabbitBroker,
    service: str,
    event_cls: type[E],
    handler: Callable[[E], Awaitable[None]],
    *,
    delivery_limit: int,
    name: str | None = None,
    prefetch: int | None = None,
    patience: float = 30.0,
) -> None:
    """Consume one event type, parsed, through the service's own durable queue."""

    async def on_message(body: bytes) -> None:
        await handler(event_cls.model_validate_json(body))

    subscribe_raw(
        broker,
        service,
        event_cls.routing_key(),
        on_message,
        delivery_limit=delivery_limit,
        name=name,
        prefetch=prefetch,
        patience=patience,
    )
