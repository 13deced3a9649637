"""Chat sessions, kept in Redis so every gateway instance sees them."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from redis.asyncio import Redis

from contracts import utcnow
from support_core.redis import Keys


@dataclass(frozen=True)
class ChatSession:
    """A customer's conversation."""

    session_id: str
    tenant_id: str
    customer_id: str | None


class SessionStore:
    """Creates sessions and numbers the messages within each."""

    def __init__(self, redis: Redis, keys: Keys, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds

    async def create(self, tenant_id: str, customer_id: str | None) -> ChatSession:
        """Open a new session."""
        session = ChatSession(str(uuid4()), tenant_id, customer_id)
        key = self._keys.session(tenant_id, session.session_id, "meta")
        fields = {"customer_id": customer_id or "", "created_at": utcnow().isoformat()}
        await (
            self._redis.pipeline(transaction=True)
            .hset(key, mapping=fields)
            .expire(key, self._ttl)
            .execute()
        )
        return session

    async def get(self, tenant_id: str, session_id: str) -> ChatSession | None:
        """A live session of this tenant, or None (also for another tenant's session)."""
        fields: dict[bytes, bytes] = await self._redis.hgetall(
            self._keys.session(tenant_id, session_id, "meta")
        )
        if not fields:
            return None
        return ChatSession(session_id, tenant_id, fields[b"customer_id"].decode() or None)

    async def expires_at(self, session: ChatSession) -> datetime:
        """When the session (and what was attached to it) expires."""
        ttl = await self._redis.ttl(
            self._keys.session(session.tenant_id, session.session_id, "meta")
        )
        return utcnow() + timedelta(seconds=max(int(ttl), 0))

    async def next_message_seq(self, session: ChatSession) -> int:
        """Number the session's next customer message, so turns run in order."""
        key = self._keys.session(session.tenant_id, session.session_id, "messages")
        seq, _ = (
            await self._redis.pipeline(transaction=True).incr(key).expire(key, self._ttl).execute()
        )
        return int(seq)

    async def claim_client_message(
        self, session: ChatSession, client_message_id: str, turn_id: str
    ) -> tuple[str, bool]:
        """The turn id of this client message and whether it is new (else a client retry)."""
        key = self._keys.session(
            session.tenant_id, session.session_id, f"client-message:{client_message_id}"
        )
        existing: bytes | None = await self._redis.set(
            key, turn_id, nx=True, ex=self._ttl, get=True
        )
        return (existing.decode(), False) if existing else (turn_id, True)

    async def release_client_message(self, session: ChatSession, client_message_id: str) -> None:
        """Forget a client message that could not be accepted, so a retry goes through."""
        await self._redis.delete(
            self._keys.session(
                session.tenant_id, session.session_id, f"client-message:{client_message_id}"
            )
        )
