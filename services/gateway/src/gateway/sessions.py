"""Chat sessions, kept in Redis so every gateway instance sees them."""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from redis.asyncio import Redis

from contracts import utcnow
from support_core.degraded import RedisGuard
from support_core.recent import Recent
from support_core.redis import Keys

# A gateway publishes a claimed message within milliseconds; a claim still unpublished after
# this long belongs to a gateway that died (or is blocked) between taking and publishing it.
PUBLISH_GRACE_SECONDS = 2.0
TAKE_OVER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0
"""


@dataclass(frozen=True)
class ClientMessageClaim:
    """A client message as the gateway holds it: its turn, when it was first taken (epoch
    seconds), and whether this caller publishes it."""

    turn_id: str
    received_at: float
    publish: bool


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
        self._local_seq: Recent[str, int] = Recent()
        self._take_over = redis.register_script(TAKE_OVER)

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
    ) -> ClientMessageClaim:
        """The turn of this client message, when the gateway first took it, and whether to
        publish it: it is new, or a gateway claimed it and never said it was published."""
        key = self._client_message_key(session, client_message_id)
        now = time.time()

        async def remote() -> ClientMessageClaim:
            existing: bytes | None = await self._redis.set(
                key, f"{turn_id}|{now}|pending:{now}", nx=True, ex=self._ttl, get=True
            )
            if existing is None:
                return ClientMessageClaim(turn_id, now, publish=True)
            claimed, _, rest = existing.decode().partition("|")
            at, _, state = rest.partition("|")
            received_at = float(at or now)
            pending_since = state.removeprefix("pending:")
            if pending_since != state and now - float(pending_since) > PUBLISH_GRACE_SECONDS:
                # Take it over once: whoever swaps the stale value for a fresh one publishes.
                fresh = f"{claimed}|{received_at}|pending:{now}"
                if await self._take_over(keys=[key], args=[existing, fresh]):
                    return ClientMessageClaim(claimed, received_at, publish=True)
            return ClientMessageClaim(claimed, received_at, publish=False)

        return await self._guard.run(remote, lambda: ClientMessageClaim(turn_id, now, True))

    async def client_message_published(
        self, session: ChatSession, client_message_id: str, claim: ClientMessageClaim
    ) -> None:
        """The message is on the broker: a retry is acknowledged, not published again."""
        key = self._client_message_key(session, client_message_id)
        value = f"{claim.turn_id}|{claim.received_at}|published"
        await self._guard.run(lambda: self._redis.set(key, value, xx=True, keepttl=True), bool)

    async def taken(self, session: ChatSession, client_message_id: str) -> bool:
        """Whether a gateway has claimed this client message already."""
        key = self._client_message_key(session, client_message_id)
        return bool(await self._guard.run(lambda: self._redis.exists(key), lambda: 0))

    async def release_client_message(self, session: ChatSession, client_message_id: str) -> None:
        """Forget a client message that could not be accepted, so a retry goes through."""
        key = self._client_message_key(session, client_message_id)
        await self._guard.run(lambda: self._redis.delete(key), lambda: 0)

    def _client_message_key(self, session: ChatSession, client_message_id: str) -> str:
        return self._keys.session(
            session.tenant_id, session.session_id, f"client-message:{client_message_id}"
        )

    async def first_to_report(self, session: ChatSession, turn_id: str, what: str) -> bool:
        """Whether this caller is the first to report `what` about a turn (once per turn across
        sockets and instances; while Redis is unreachable, every caller is first)."""
        key = self._keys.session(session.tenant_id, session.session_id, f"{what}:{turn_id}")

        async def remote() -> bool:
            return bool(await self._redis.set(key, 1, nx=True, ex=self._ttl))

        return await self._guard.run(remote, lambda: True)
