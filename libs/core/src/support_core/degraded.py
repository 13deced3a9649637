"""Degraded mode for Redis: notice the outage, fall back locally, reconcile when it is back.

Components run Redis operations through `RedisGuard.run`, giving a local fallback. The first
failure flips the service to degraded (readiness says so, a metric shows it); a probe then
pings Redis every second, and when it answers, the registered reconcilers push what was done
locally back to Redis before the service leaves degraded mode.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TypeVar

from prometheus_client import CollectorRegistry, Gauge
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

T = TypeVar("T")
# Set in the task that reconciles: its operations go to Redis while others still fall back.
_reconciling: ContextVar[bool] = ContextVar("reconciling", default=False)
log = logging.getLogger(__name__)
OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)
Reconciler = Callable[[], Awaitable[None]]


class RedisGuard:
    """Runs Redis calls with a local fallback and tracks whether Redis is reachable."""

    def __init__(
        self, redis: Redis, metrics: CollectorRegistry, *, probe_interval: float = 1.0
    ) -> None:
        self._redis = redis
        self._probe_interval = probe_interval
        self._reconcilers: list[Reconciler] = []
        self._probe: asyncio.Task[None] | None = None
        self.degraded = False
        self._gauge = Gauge(
            "support_redis_degraded",
            "1 while Redis is unreachable and the service runs on local fallbacks",
            registry=metrics,
        )

    def on_recovery(self, reconciler: Reconciler) -> None:
        """Call `reconciler` when Redis is back, before leaving degraded mode."""
        self._reconcilers.append(reconciler)

    async def run(self, operation: Callable[[], Awaitable[T]], fallback: Callable[[], T]) -> T:
        """`operation()` against Redis; `fallback()` locally while Redis is unreachable."""
        if self.degraded and not _reconciling.get():
            return fallback()
        try:
            return await operation()
        except OUTAGE as exc:
            if _reconciling.get():
                raise  # let the probe retry the whole reconciliation
            self.mark_degraded(exc)
            return fallback()

    def mark_degraded(self, reason: BaseException) -> None:
        """Enter degraded mode (idempotent) and start probing for recovery."""
        if not self.degraded:
            log.warning("Redis unreachable, running on local fallbacks: %s", reason)
            self.degraded = True
            self._gauge.set(1)
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(self._probe_until_back())

    async def _probe_until_back(self) -> None:
        _reconciling.set(True)
        while True:
            await asyncio.sleep(self._probe_interval)
            try:
                await self._redis.ping()
                for reconcile in self._reconcilers:
                    await reconcile()
            except OUTAGE:
                continue
            except Exception:
                log.exception("reconciling with Redis failed; retrying")
                continue
            self.degraded = False
            self._gauge.set(0)
            log.warning("Redis is back; local state reconciled")
            return

    async def check(self) -> str | None:
        """Readiness probe (non-critical): fails while degraded."""
        if self.degraded:
            raise ConnectionError("Redis unreachable: running on local fallbacks")
        await self._redis.ping()
        return None

    async def close(self) -> None:
        """Stop probing."""
        if self._probe is not None:
            self._probe.cancel()
