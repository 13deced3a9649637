"""Turns of a session run one after another, in the order the customer sent them.

The gateway numbers each session's messages (`session_seq`). A turn waits until the previous
number is done (Redis, so it holds across replicas; woken at once when the previous turn ran
here, polled otherwise) and records its own number when finished. A number that never arrives
(a message the gateway failed to publish) holds the session up for `wait` seconds at most.
"""

import asyncio
import contextlib
import time
from collections import defaultdict

from redis.asyncio import Redis

from support_core.degraded import RedisGuard
from support_core.recent import Recent
from support_core.redis import Keys

MARK_DONE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
POLL_SECONDS = 0.05
REMEMBERED_SESSIONS = 50_000


class SessionSequencer:
    """Waits for a session's earlier turns; records finished ones."""

    def __init__(self, redis: Redis, keys: Keys, guard: RedisGuard, *, ttl: int = 86400) -> None:
        self._redis = redis
        self._keys = keys
        self._guard = guard
        self._ttl = ttl
        self._mark = redis.register_script(MARK_DONE)
        self._local: Recent[str, int] = Recent(REMEMBERED_SESSIONS)
        self._changed: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def _key(self, tenant_id: str, session_id: str) -> str:
        return self._keys.session(tenant_id, session_id, "turns-done")

    async def _done(self, tenant_id: str, session_id: str) -> int:
        key = self._key(tenant_id, session_id)

        async def remote() -> int:
            return int(await self._redis.get(key) or 0)

        remote_done = await self._guard.run(remote, lambda: 0)
        return max(remote_done, self._local.get(session_id, 0))

    async def wait_turn(self, tenant_id: str, session_id: str, seq: int, *, wait: float) -> bool:
        """Wait until turns before `seq` are done; False if the wait timed out."""
        deadline = time.monotonic() + wait
        while seq > 1 and await self._done(tenant_id, session_id) < seq - 1:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            event = self._changed[session_id]
            event.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(POLL_SECONDS, remaining)):
                    await event.wait()
        return True

    async def finish_turn(self, tenant_id: str, session_id: str, seq: int) -> None:
        """Record that the turn numbered `seq` is done."""
        self._local[session_id] = max(seq, self._local.get(session_id, 0))
        key = self._key(tenant_id, session_id)
        await self._guard.run(lambda: self._mark(keys=[key], args=[seq, self._ttl]), lambda: 0)
        event = self._changed.pop(session_id, None)
        if event is not None:
            event.set()
