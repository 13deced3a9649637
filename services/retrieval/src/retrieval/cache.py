"""Redis cache of search results per tenant, invalidated by a generation counter.

Changing a tenant's knowledge base increments its generation; keys of older generations are
never read again and expire on their own (no key scans). While Redis is unreachable the cache
is skipped and invalidations wait; they are applied when Redis is back.
"""

import hashlib

import orjson
from pydantic import TypeAdapter
from redis.asyncio import Redis

from retrieval.search import SearchResult
from support_core.degraded import RedisGuard
from support_core.redis import Keys

_cached = TypeAdapter(SearchResult)


class ResultCache:
    """Caches ranked sources; Redis trouble turns the cache off rather than failing searches."""

    def __init__(self, redis: Redis, keys: Keys, guard: RedisGuard, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = keys
        self._guard = guard
        self._ttl = ttl_seconds
        self._pending: set[str] = set()
        guard.on_recovery(self._apply_pending)

    def _generation_key(self, tenant_id: str) -> str:
        return self._keys.tenant(tenant_id, "retrieval:generation")

    async def key(self, tenant_id: str, request: dict[str, object]) -> str | None:
        """The request's key in the tenant's current generation, taken before the search (None
        while the cache is off or Redis is unreachable)."""
        if self._ttl == 0:
            return None

        async def remote() -> str:
            generation = int(await self._redis.get(self._generation_key(tenant_id)) or 0)
            digest = hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()
            return self._keys.tenant(tenant_id, f"retrieval:cache:{generation}:{digest}")

        return await self._guard.run(remote, lambda: None)

    async def get(self, key: str | None) -> SearchResult | None:
        """Cached results under `key`, if any."""
        if key is None:
            return None

        async def remote() -> bytes | None:
            cached: bytes | None = await self._redis.get(key)
            return cached

        cached = await self._guard.run(remote, lambda: None)
        return _cached.validate_json(cached) if cached else None

    async def put(self, key: str | None, result: SearchResult) -> None:
        """Remember results under the key taken before the search: if the knowledge base
        changed during it, they land in the older generation, which is never read again."""
        if key is None:
            return

        async def remote() -> None:
            await self._redis.set(key, _cached.dump_json(result), ex=self._ttl)

        await self._guard.run(remote, lambda: None)

    async def invalidate(self, tenant_id: str) -> None:
        """The tenant's knowledge base changed: start a new generation (now, or on recovery)."""
        await self._guard.run(
            lambda: self._redis.incr(self._generation_key(tenant_id)),
            lambda: self._pending.add(tenant_id),
        )

    async def _apply_pending(self) -> None:
        while self._pending:
            tenant_id = self._pending.pop()
            try:
                await self._redis.incr(self._generation_key(tenant_id))
            except Exception:
                self._pending.add(tenant_id)
                raise
