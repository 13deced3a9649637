"""Chat sessions, kept in Redis so every gateway instance sees them."""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from redis.asyncio import Redis

from contracts import utcnow
from support_core.degraded import RedisGuard
from support_core.redis import Keys


@dataclass(frozen=True)
class ChatSession:
    """A customer's conversation."""

    session_id: str
    tenant_id: str
    customer_id: str | None


class SessionStore:
    """Creates sessions and numbers the messages within each.

    While Redis is unreachable, sessions are taken on the word of their signed token, messages
    are numbered by this instance and client retries are not recognised.
    """

    def __init__(self, redis: Redis, keys: Keys, guard: RedisGuard, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = keys
        self._guard = guard
        self._ttl = ttl_seconds
        self._local_seq: dict[str, int] = {}

    async def create(self, tenant_id: str, customer_id: str | None) -> ChatSession:
        """Open a new session."""
        session = ChatSession(str(uuid4()), tenant_id, customer_id)
        await self._guard.run(lambda: self._store(session), lambda: None)
        return session

    async def _store(self, session: ChatSession) -> None:
        key = self._keys.session(session.tenant_id, session.session_id, "meta")
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(
            key,
            mapping={"customer_id": session.customer_id or "", "created_at": utcnow().isoformat()},
        )
        pipe.expire(key, self._ttl)
        await pipe.execute()

    async def get(
        self, tenant_id: str, session_id: str, *, vouched: ChatSession | None = None
    ) -> ChatSession | None:
        """A live session of this tenant, or None (also for another tenant's session).

        `vouched` is what a valid token says, used while Redis cannot be asked.
        """
        key = self._keys.session(tenant_id, session_id, "meta")

        async def remote() -> ChatSession | None:
            fields: dict[bytes, bytes] = await self._redis.hgetall(key)
            if fields:
                return ChatSession(session_id, tenant_id, fields[b"customer_id"].decode() or None)
            if vouched is not None:  # Redis lost it; a valid token is proof enough to restore it
                await self._store(vouched)
            return vouched

        return await self._guard.run(remote, lambda: vouched)

    async def expires_at(self, session: ChatSession) -> datetime:
        """When the session (and what was attached to it) expires."""
        key = self._keys.session(session.tenant_id, session.session_id, "meta")
        ttl = await self._guard.run(lambda: self._redis.ttl(key), lambda: self._ttl)
        return utcnow() + timedelta(seconds=max(int(ttl), 0))

    async def next_message_seq(self, session: ChatSession) -> int:
        """Number the session's next customer message, so turns run in order."""
        key = self._keys.session(session.tenant_id, session.session_id, "messages")

        async def remote() -> int:
            pipe = self._redis.pipeline(transaction=True)
            pipe.incr(key)
            pipe.expire(key, self._ttl)
            seq, _ = await pipe.execute()
            self._local_seq[session.session_id] = int(seq)
            return int(seq)

        def local() -> int:
            seq = self._local_seq.get(session.session_id, 0) + 1
            self._local_seq[session.session_id] = seq
            return seq

        return await self._guard.run(remote, local)

    async def claim_client_message(
        self, session: ChatSession, client_message_id: str, turn_id: str
    ) -> tuple[str, float, bool]:
        """The turn id of this client message, when the gateway first took it (epoch
        seconds), and whether it is new (else a client retry)."""
        key = self._keys.session(
            session.tenant_id, session.session_id, f"client-message:{client_message_id}"
        )
        now = time.time()

        async def remote() -> tuple[str, float, bool]:
            existing: bytes | None = await self._redis.set(
                key, f"{turn_id}|{now}", nx=True, ex=self._ttl, get=True
            )
            if existing is None:
                return turn_id, now, True
            claimed, _, at = existing.decode().partition("|")
            return claimed, float(at or now), False

        return await self._guard.run(remote, lambda: (turn_id, now, True))

    async def first_to_report(self, session: ChatSession, turn_id: str, what: str) -> bool:
        """Whether this caller is the first to report `what` about a turn (once per turn across
        sockets and instances; while Redis is unreachable, every caller is first)."""
        key = self._keys.session(session.tenant_id, session.session_id, f"{what}:{turn_id}")

        async def remote() -> bool:
            return bool(await self._redis.set(key, 1, nx=True, ex=self._ttl))

        return await self._guard.run(remote, lambda: True)

    async def release_client_message(self, session: ChatSession, client_message_id: str) -> None:
        """Forget a client message that could not be accepted, so a retry goes through."""
        key = self._keys.session(
            session.tenant_id, session.session_id, f"client-message:{client_message_id}"
        )
        await self._guard.run(lambda: self._redis.delete(key), lambda: 0)
