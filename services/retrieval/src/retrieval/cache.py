"""Redis cache of search results per tenant, invalidated by a generation counter.

Changing a tenant's knowledge base increments its generation; keys of older generations are
never read again and expire on their own (no key scans).
"""

import hashlib
import logging

import orjson
from pydantic import TypeAdapter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from contracts import Source
from support_core.redis import Keys

log = logging.getLogger(__name__)
_sources = TypeAdapter(list[Source])


class ResultCache:
    """Caches ranked sources; Redis trouble turns the cache off rather than failing searches."""

    def __init__(self, redis: Redis, keys: Keys, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds

    def _generation_key(self, tenant_id: str) -> str:
        return self._keys.tenant(tenant_id, "retrieval:generation")

    async def _key(self, tenant_id: str, request: dict[str, object]) -> str:
        generation = int(await self._redis.get(self._generation_key(tenant_id)) or 0)
        digest = hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()
        return self._keys.tenant(tenant_id, f"retrieval:cache:{generation}:{digest}")

    async def get(self, tenant_id: str, request: dict[str, object]) -> list[Source] | None:
        """Cached results for an identical request, if any."""
        if self._ttl == 0:
            return None
        try:
            cached = await self._redis.get(await self._key(tenant_id, request))
        except RedisError:
            log.warning("search cache unavailable", exc_info=True)
            return None
        return _sources.validate_json(cached) if cached else None

    async def put(self, tenant_id: str, request: dict[str, object], sources: list[Source]) -> None:
        """Remember results until the tenant's knowledge base changes (or the TTL passes)."""
        if self._ttl == 0:
            return
        try:
            await self._redis.set(
                await self._key(tenant_id, request), _sources.dump_json(sources), ex=self._ttl
            )
        except RedisError:
            log.warning("search cache unavailable", exc_info=True)

    async def invalidate(self, tenant_id: str) -> None:
        """The tenant's knowledge base changed: start a new generation."""
        await self._redis.incr(self._generation_key(tenant_id))
