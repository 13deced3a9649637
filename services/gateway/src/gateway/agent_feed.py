"""What agents' consoles are told as it happens: a ticket was opened, assigned or resolved, or a
conversation has a new message. A Redis channel per tenant, so every gateway instance's
consoles hear what any instance saw; a console then reads what changed through the REST API."""

import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from redis.asyncio import Redis

from support_core.degraded import RedisGuard
from support_core.redis import Keys

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15.0


class AgentFeed:
    """Publish a tenant's console events; follow them."""

    def __init__(self, redis: Redis, keys: Keys, guard: RedisGuard) -> None:
        self._redis = redis
        self._keys = keys
        self._guard = guard

    def _channel(self, tenant_id: str) -> str:
        return self._keys.tenant(tenant_id, "agent-feed")

    async def tell(self, tenant_id: str, **event: Any) -> None:
        """Tell the tenant's consoles (nothing while Redis is unreachable: they catch up when
        they reconnect)."""
        body = orjson.dumps(event)
        await self._guard.run(lambda: self._redis.publish(self._channel(tenant_id), body), int)

    async def follow(self, tenant_id: str) -> AsyncIterator[dict[str, Any] | None]:
        """The tenant's events as they come; None after `HEARTBEAT_SECONDS` of silence."""
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self._channel(tenant_id))
            while True:
                message = await pubsub.get_message(timeout=HEARTBEAT_SECONDS)
                yield orjson.loads(message["data"]) if message else None
