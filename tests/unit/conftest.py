"""In-memory stand-ins for the servers: fakeredis for Redis, FastStream's TestRabbitBroker for
RabbitMQ. A unit test that opens a network socket fails (pytest-socket), so `task test:unit`
runs with every server stopped."""

from collections.abc import AsyncIterator, Iterator

import fakeredis
import pytest
import pytest_socket
from faststream.rabbit import RabbitBroker
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry

from support_core.degraded import RedisGuard
from support_core.messaging.broker import create_broker
from support_core.messaging.publisher import EventPublisher
from support_core.redis import Keys
from support_core.settings import RabbitSettings


@pytest.fixture(autouse=True)
def no_network() -> Iterator[None]:
    """Only the event loop's own Unix socket pair is allowed."""
    pytest_socket.disable_socket(allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


@pytest.fixture
def redis_server() -> fakeredis.FakeServer:
    """One in-memory Redis; set `connected = False` to take it away."""
    return fakeredis.FakeServer()


@pytest.fixture
async def redis(redis_server: fakeredis.FakeServer) -> AsyncIterator[fakeredis.FakeAsyncRedis]:
    client = fakeredis.FakeAsyncRedis(server=redis_server)
    yield client
    await client.aclose()


@pytest.fixture
async def guard(redis: fakeredis.FakeAsyncRedis) -> AsyncIterator[RedisGuard]:
    """Probes every 10 ms while the fake server is away."""
    guard = RedisGuard(redis, CollectorRegistry(), probe_interval=0.01)
    yield guard
    await guard.close()


@pytest.fixture
def keys() -> Keys:
    return Keys("unit")


@pytest.fixture
def broker() -> RabbitBroker:
    """The services' broker as built for production; tests enter `TestRabbitBroker(broker)`
    after registering their subscribers."""
    return create_broker(
        RabbitSettings(),
        service="unit",
        metrics=CollectorRegistry(),
        tracer_provider=TracerProvider(),
    )


@pytest.fixture
def publisher(broker: RabbitBroker) -> EventPublisher:
    return EventPublisher(broker)
