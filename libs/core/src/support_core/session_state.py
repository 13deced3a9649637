"""Per-session state shared by every replica: message count, escalation, activity (Redis hash).

While Redis is unreachable each replica keeps counting locally; on recovery the local deltas
are added to Redis (HINCRBY) and the local flags written, so counts stay exact.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field

from redis.asyncio import Redis

from support_core.degraded import RedisGuard
from support_core.recent import Recent
from support_core.redis import Keys

MESSAGES, TICKET, TICKET_STATE, ACTIVITY = "messages", "ticket_id", "ticket_state", "last_activity"
# Add what was counted locally; if Redis came back empty (it lost its data), the count this
# replica knew before the outage is the floor.
RECONCILE = """
local current = tonumber(redis.call('HGET', KEYS[1], 'messages') or '0')
local counted = math.max(current + tonumber(ARGV[1]), tonumber(ARGV[2]) + tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'messages', counted)
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return counted
"""


@dataclass
class Snapshot:
    """A session's state as seen now."""

    message_count: int = 0
    ticket_id: str | None = None
    ticket_state: str | None = None
    last_activity: float | None = None

    @property
    def with_agent(self) -> bool:
        """A human agent holds the conversation."""
        return self.ticket_state == "assigned"


@dataclass
class _Local:
    delta: int = 0
    fields: dict[str, str] = field(default_factory=dict)


class SessionState:
    """Atomic per-session counters and flags with a TTL."""

    def __init__(self, redis: Redis, keys: Keys, guard: RedisGuard, *, ttl: int = 86400) -> None:
        self._redis = redis
        self._keys = keys
        self._guard = guard
        self._ttl = ttl
        self._local: defaultdict[tuple[str, str], _Local] = defaultdict(_Local)
        self._known: Recent[tuple[str, str], Snapshot] = Recent()
        self._reconcile = redis.register_script(RECONCILE)
        guard.on_recovery(self.reconcile)

    def _key(self, tenant_id: str, session_id: str) -> str:
        return self._keys.session(tenant_id, session_id, "state")

    async def count_message(self, tenant_id: str, session_id: str) -> Snapshot:
        """Count one more customer message; return the session's state with it counted."""
        key = self._key(tenant_id, session_id)

        async def remote() -> Snapshot:
            pipe = self._redis.pipeline(transaction=True)
            pipe.hincrby(key, MESSAGES, 1)
            pipe.hset(key, ACTIVITY, str(time.time()))
            pipe.expire(key, self._ttl)
            pipe.hgetall(key)
            *_, raw = await pipe.execute()
            return self._remember(tenant_id, session_id, raw)

        def local() -> Snapshot:
            entry = self._local[(tenant_id, session_id)]
            entry.delta += 1
            entry.fields[ACTIVITY] = str(time.time())
            return self._local_snapshot(tenant_id, session_id)

        return await self._guard.run(remote, local)

    async def set_ticket(
        self, tenant_id: str, session_id: str, ticket_id: str | None, state: str | None
    ) -> None:
        """Record the session's ticket (None when it is resolved)."""
        key = self._key(tenant_id, session_id)
        values = {TICKET: ticket_id or "", TICKET_STATE: state or ""}

        async def remote() -> None:
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(key, mapping=values)
            pipe.expire(key, self._ttl)
            await pipe.execute()

        def local() -> None:
            self._local[(tenant_id, session_id)].fields.update(values)

        await self._guard.run(remote, local)

    async def get(self, tenant_id: str, session_id: str) -> Snapshot:
        """The session's state (from this replica's memory while Redis is unreachable)."""
        key = self._key(tenant_id, session_id)

        async def remote() -> Snapshot:
            return self._remember(tenant_id, session_id, await self._redis.hgetall(key))

        def local() -> Snapshot:
            return self._local_snapshot(tenant_id, session_id)

        return await self._guard.run(remote, local)

    def _remember(self, tenant_id: str, session_id: str, raw: dict[bytes, bytes]) -> Snapshot:
        """The state Redis holds, kept as the floor for counting during an outage."""
        snapshot = Snapshot(
            message_count=int(raw.get(MESSAGES.encode(), b"0")),
            ticket_id=raw.get(TICKET.encode(), b"").decode() or None,
            ticket_state=raw.get(TICKET_STATE.encode(), b"").decode() or None,
            last_activity=float(raw[ACTIVITY.encode()]) if ACTIVITY.encode() in raw else None,
        )
        self._known[(tenant_id, session_id)] = snapshot
        return snapshot

    def _local_snapshot(self, tenant_id: str, session_id: str) -> Snapshot:
        """The last state Redis gave, with what this replica counted and set since."""
        known = self._known.get((tenant_id, session_id), Snapshot())
        entry = self._local.get((tenant_id, session_id), _Local())
        fields = entry.fields
        return Snapshot(
            message_count=known.message_count + entry.delta,
            ticket_id=fields.get(TICKET, known.ticket_id or "") or None,
            ticket_state=fields.get(TICKET_STATE, known.ticket_state or "") or None,
            last_activity=float(fields[ACTIVITY]) if ACTIVITY in fields else known.last_activity,
        )

    async def reconcile(self) -> None:
        """Push what was counted and set locally during the outage (called on recovery)."""
        while self._local:
            (tenant_id, session_id), entry = self._local.popitem()
            known = self._known.get((tenant_id, session_id), Snapshot())
            fields = [part for pair in entry.fields.items() for part in pair]
            try:
                await self._reconcile(
                    keys=[self._key(tenant_id, session_id)],
                    args=[entry.delta, known.message_count, self._ttl, *fields],
                )
            except Exception:
                self._merge_back(tenant_id, session_id, entry)
                raise
        self._known.clear()

    def _merge_back(self, tenant_id: str, session_id: str, entry: _Local) -> None:
        current = self._local[(tenant_id, session_id)]
        current.delta += entry.delta
        current.fields = entry.fields | current.fields
