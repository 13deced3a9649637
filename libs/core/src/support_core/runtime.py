"""What every service holds while it runs: broker, database, Redis, telemetry, outbox relay."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from faststream.rabbit import RabbitBroker
from faststream.rabbit.subscriber.usecase import RabbitSubscriber
from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts import Event
from support_core.db import create_engine, migrate
from support_core.degraded import RedisGuard
from support_core.messaging.broker import create_broker, subscribe, subscribe_raw
from support_core.messaging.catalogue import Topology
from support_core.messaging.drain import drain
from support_core.messaging.instance import InstanceRoute
from support_core.messaging.outbox import Outbox
from support_core.messaging.publisher import EventPublisher
from support_core.messaging.queues import QueueMonitor
from support_core.observability.context import LogContextMiddleware
from support_core.observability.health import ReadinessCheck
from support_core.observability.logging import configure_logging
from support_core.observability.tracing import create_tracer_provider
from support_core.redis import Keys, create_redis
from support_core.settings import ServiceSettings

Hook = Callable[[], Awaitable[None]]
E = TypeVar("E", bound=Event)


class ServiceRuntime:
    """Built by `create_app` without connecting; `start()` connects, `stop()` drains and closes."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        metadata: sa.MetaData | None = None,
        migrations: Path | None = None,
        instance_route: bool = False,
    ) -> None:
        self.settings = settings
        self.service = settings.service_name
        self.metrics = CollectorRegistry()
        ProcessCollector(registry=self.metrics)
        PlatformCollector(registry=self.metrics)
        self.tracer_provider = create_tracer_provider(
            settings.telemetry, service=self.service, instance_id=settings.instance_id
        )
        self.tracer = self.tracer_provider.get_tracer(self.service)
        self.broker: RabbitBroker = create_broker(
            settings.rabbitmq,
            service=self.service,
            metrics=self.metrics,
            tracer_provider=self.tracer_provider,
        )
        self.broker.add_middleware(LogContextMiddleware)
        self.publisher = EventPublisher(self.broker)
        self._instance = (
            InstanceRoute(
                self.broker, self.publisher, service=self.service, instance_id=settings.instance_id
            )
            if instance_route
            else None
        )
        self.keys = Keys(settings.redis.key_prefix)
        self.topology = Topology(
            settings.rabbitmq.url.get_secret_value(),
            delivery_limit=settings.rabbitmq.delivery_limit,
            service=self.service,
        )
        self._metadata = metadata
        self._migrations = migrations
        self._engine: AsyncEngine | None = None
        self._redis: Redis | None = None
        self._guard: RedisGuard | None = None
        self._outbox: Outbox | None = None
        self._on_start: list[Hook] = []
        self._on_stop: list[Hook] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._draining: asyncio.Future[None] | None = None
        self.extra_checks: list[ReadinessCheck] = []

    @property
    def instance(self) -> InstanceRoute:
        """This instance's private route for request/reply (built with `instance_route=True`)."""
        if self._instance is None:
            raise RuntimeError(f"{self.service} was built without an instance route")
        return self._instance

    @property
    def engine(self) -> AsyncEngine:
        """The service's database pool."""
        assert self._engine is not None, "runtime not started"
        return self._engine

    @property
    def redis(self) -> Redis:
        """The shared Redis client."""
        assert self._redis is not None, "runtime not started"
        return self._redis

    @property
    def redis_guard(self) -> RedisGuard:
        """Degraded-mode tracking for Redis, with local fallbacks."""
        assert self._guard is not None, "runtime not started"
        return self._guard

    @property
    def outbox(self) -> Outbox:
        """Units of work with inbox de-duplication and outbox publishing."""
        assert self._outbox is not None, "runtime has no database"
        return self._outbox

    def consumer(
        self, event_cls: type[E], *, name: str | None = None, prefetch: int | None = None
    ) -> Callable[[Callable[[E], Awaitable[None]]], Callable[[E], Awaitable[None]]]:
        """Decorator: handle one event type through this service's dead-lettered queue.

        `prefetch` bounds how many of these messages one instance works on at once (default:
        the broker-wide `RABBITMQ_PREFETCH`).
        """

        def register(handler: Callable[[E], Awaitable[None]]) -> Callable[[E], Awaitable[None]]:
            subscribe(
                self.broker,
                self.service,
                event_cls,
                handler,
                delivery_limit=self.settings.rabbitmq.delivery_limit,
                name=name,
                prefetch=prefetch,
                patience=self.settings.rabbitmq.transient_patience,
            )
            return handler

        return register

    def raw_consumer(
        self, routing_key: str, *, name: str
    ) -> Callable[[Callable[[bytes], Awaitable[None]]], Callable[[bytes], Awaitable[None]]]:
        """Decorator: handle raw bodies bound by a pattern (e.g. `#`) through a service queue."""

        def register(
            handler: Callable[[bytes], Awaitable[None]],
        ) -> Callable[[bytes], Awaitable[None]]:
            subscribe_raw(
                self.broker,
                self.service,
                routing_key,
                handler,
                delivery_limit=self.settings.rabbitmq.delivery_limit,
                name=name,
                patience=self.settings.rabbitmq.transient_patience,
            )
            return handler

        return register

    def on_start(self, hook: Hook) -> None:
        """Run `hook` after the core clients connect and before consuming starts."""
        self._on_start.append(hook)

    def on_stop(self, hook: Hook) -> None:
        """Run `hook` once the work queues have drained, before the broker and clients close."""
        self._on_stop.append(hook)

    def background(self, coro: Awaitable[Any]) -> None:
        """Run a task for the runtime's lifetime."""
        self._tasks.append(asyncio.ensure_future(coro))

    async def start(self) -> None:
        """Connect, migrate, declare topology and start consuming."""
        telemetry = self.settings.telemetry
        configure_logging(self.service, level=telemetry.log_level, json_logs=telemetry.json_logs)
        self._redis = create_redis(self.settings.redis)
        self._guard = RedisGuard(self._redis, self.metrics)
        if self._metadata is not None:
            self._engine = create_engine(self.settings.database)
            if self._migrations is not None:
                schema = self._metadata.schema or self.service
                await migrate(self._engine, schema=schema, script_location=self._migrations)
            self._outbox = Outbox(
                self._engine,
                inbox=self._metadata.tables[f"{self._metadata.schema}.inbox"],
                outbox=self._metadata.tables[f"{self._metadata.schema}.outbox"],
                broker=self.broker,
            )
        await self.broker.connect()
        await self.topology.apply()
        for hook in self._on_start:
            await hook()
        await self.broker.start()
        if self._outbox is not None:
            self.background(self._outbox.sweep_forever())
        self.background(self._queue_monitor().poll_forever())
        self._loop = asyncio.get_running_loop()

    def _work_subscribers(self) -> list[RabbitSubscriber]:
        """Consumers of the service's durable queues (not its instance's reply route)."""
        return [
            sub
            for sub in self.broker.subscribers
            if isinstance(sub, RabbitSubscriber) and sub.queue.durable
        ]

    def _queue_monitor(self) -> QueueMonitor:
        durable = [sub.queue.name for sub in self._work_subscribers()]
        return QueueMonitor(
            self.settings.rabbitmq.url.get_secret_value(), self.service, durable, self.metrics
        )

    def stop_consuming_soon(self) -> None:
        """Begin draining the work queues; safe to call from a signal handler."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> asyncio.Future[None]:
        if self._draining is None:
            self._draining = asyncio.ensure_future(drain(self._work_subscribers()))
        return self._draining

    async def stop(self) -> None:
        """Stop consuming (in-flight messages finish and are acked), then close everything.

        Reply routes keep consuming until the work queues have drained: an in-flight handler
        may still be waiting for a reply.
        """
        await self._drain()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for hook in reversed(self._on_stop):
            await hook()
        await self.broker.stop()
        await self.topology.close()
        if self._guard is not None:
            await self._guard.close()
        if self._redis is not None:
            await self._redis.aclose()
        if self._engine is not None:
            await self._engine.dispose()
        self.tracer_provider.shutdown()

    def readiness_checks(self) -> list[ReadinessCheck]:
        """Broker, database and Redis, plus whatever the service registered."""
        checks = [
            ReadinessCheck("broker", self._check_broker),
            ReadinessCheck("topology", self.topology.check),
        ]
        if self._engine is not None:
            checks.append(ReadinessCheck("database", self._check_database))
        if self._guard is not None:
            # Non-critical: without Redis the services run degraded on local fallbacks.
            checks.append(ReadinessCheck("redis", self._guard.check, critical=False))
        return checks + self.extra_checks

    async def _check_broker(self) -> str | None:
        if not await self.broker.ping(timeout=1.0):
            raise ConnectionError("not connected to RabbitMQ")
        return None

    async def _check_database(self) -> str | None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        return None
