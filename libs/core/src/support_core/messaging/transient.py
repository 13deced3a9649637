"""A handler that meets a dependency restarting waits for it instead of failing the message.

Without this, a PostgreSQL restart made every message in flight fail its few deliveries within a
fraction of a second and land in the parking queue: healthy messages lost to the operator, and
the session's later turns waiting for one that never came. A failure whose cause is a lost or
refused connection (PostgreSQL, Redis, the broker) is retried in the handler with backoff for up
to `patience` seconds; handlers are idempotent (inbox), so running one again is safe. Any other
failure, or one that outlasts the patience, fails the delivery as before.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import redis.exceptions
import sqlalchemy.exc
from tenacity import (
    AsyncRetrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
TRANSIENT = (
    ConnectionError,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.OperationalError,
)


def transient(exc: BaseException) -> bool:
    """Whether a failure comes from a connection that dropped or is refused for now."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TRANSIENT):
            return True
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def patient(
    handler: Callable[[bytes], Awaitable[None]], *, patience: float
) -> Callable[[bytes], Awaitable[None]]:
    """`handler`, retried with backoff while it fails for transient reasons."""

    async def handle(body: bytes) -> None:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(transient),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            stop=stop_after_delay(patience),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        ):
            with attempt:
                await handler(body)

    return handle
