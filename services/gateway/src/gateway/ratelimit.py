"""Rate limits shared by every gateway instance through Redis (the `limits` library).

While Redis is unreachable the limits fail open to a per-instance copy kept in memory: each
instance then enforces the full limit on its own, so a tenant can briefly get up to N times
its limit across N instances, but nobody is refused for the outage itself.
"""

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from support_core.degraded import OUTAGE, RedisGuard


@dataclass(frozen=True)
class Verdict:
    """Whether one more hit is allowed, and if not, in how many seconds to retry."""

    allowed: bool
    retry_after: float = 0.0

    @property
    def retry_after_header(self) -> str:
        """Whole seconds, at least 1, for the `Retry-After` header."""
        return str(max(1, math.ceil(self.retry_after)))


class RateLimit:
    """One limit (e.g. 20 per minute) counted per key, in a moving window."""

    def __init__(self, rate: str, redis: Redis, guard: RedisGuard, *, key_prefix: str) -> None:
        self.item: RateLimitItem = parse(rate)
        storage = RedisStorage(
            "async+redis://",
            implementation="redispy",
            key_prefix=key_prefix,
            connection_pool=redis.connection_pool,
        )
        self._remote = MovingWindowRateLimiter(storage)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._guard = guard

    async def hit(self, *key: str) -> Verdict:
        """Count one hit for `key` unless that would exceed the limit."""
        if not self._guard.degraded:
            try:
                return await self._hit(self._remote, key)
            except OUTAGE as exc:
                self._guard.mark_degraded(exc)
        return await self._hit(self._local, key)

    async def _hit(self, limiter: MovingWindowRateLimiter, key: tuple[str, ...]) -> Verdict:
        if await limiter.hit(self.item, *key):
            return Verdict(True)
        stats = await limiter.get_window_stats(self.item, *key)
        return Verdict(False, max(stats.reset_time - time.time(), 0.0))
