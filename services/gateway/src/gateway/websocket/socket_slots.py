"""How many WebSockets a tenant has open across every gateway instance.

Each open socket holds a lease in a per-tenant sorted set (member: the socket, score: when the
lease ends). Instances renew their sockets' leases periodically, so the sockets of an instance
that died stop counting when their leases run out. While Redis is unreachable each instance
counts only its own sockets against the limit (fail open) and puts them back on recovery.
"""

import asyncio
from collections import defaultdict
from uuid import uuid4

from redis.asyncio import Redis

from support_core.degraded import OUTAGE, RedisGuard
from support_core.redis import Keys

LEASE_SECONDS = 60
RENEW_EVERY_SECONDS = 20
# KEYS: the tenant's set; ARGV: limit, lease seconds, member. Redis' clock for every instance.
TAKE = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
RENEW = """
local expires = tonumber(redis.call('TIME')[1]) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], expires, ARGV[i]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 0
"""


class SocketSlots:
    """Grants a tenant's sockets a slot each, up to `limit` open at once."""

    def __init__(
        self, redis: Redis, keys: Keys, guard: RedisGuard, *, limit: int, instance: str
    ) -> None:
        self._keys = keys
        self._guard = guard
        self._limit = limit
        self._instance = instance
        self._take = redis.register_script(TAKE)
        self._renew = redis.register_script(RENEW)
        self._redis = redis
        self._held: defaultdict[str, set[str]] = defaultdict(set)

    def _key(self, tenant_id: str) -> str:
        return self._keys.tenant(tenant_id, "sockets")

    async def take(self, tenant_id: str) -> str | None:
        """A slot for a new socket of the tenant, or None if it has `limit` open already."""
        slot = f"{self._instance}:{uuid4().hex}"

        async def remote() -> bool:
            return bool(
                await self._take(
                    keys=[self._key(tenant_id)], args=[self._limit, LEASE_SECONDS, slot]
                )
            )

        granted = await self._guard.run(remote, lambda: len(self._held[tenant_id]) < self._limit)
        if not granted:
            return None
        self._held[tenant_id].add(slot)
        return slot

    async def give_back(self, tenant_id: str, slot: str) -> None:
        """The socket closed."""
        held = self._held.get(tenant_id)
        if held is not None:
            held.discard(slot)
            if not held:
                del self._held[tenant_id]
        await self._guard.run(lambda: self._redis.zrem(self._key(tenant_id), slot), lambda: 0)

    async def renew(self) -> None:
        """Extend the leases of this instance's sockets (re-adding any Redis lost)."""
        for tenant_id, slots in list(self._held.items()):
            if slots:
                await self._renew(keys=[self._key(tenant_id)], args=[LEASE_SECONDS, *slots])

    async def renew_forever(self) -> None:
        """Renew leases until cancelled; skipped while Redis is down (renewed on recovery)."""
        while True:
            await asyncio.sleep(RENEW_EVERY_SECONDS)
            if self._guard.degraded:
                continue
            try:
                await self.renew()
            except OUTAGE as exc:
                self._guard.mark_degraded(exc)
