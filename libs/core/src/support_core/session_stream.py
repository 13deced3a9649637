"""Per-session frame stream in Redis: the source of truth for what a client has been sent.

A producer appends a frame and gets its `seq` plus the gateway instances holding the session's
sockets in one round trip; the gateway reads frames back by `seq` for live delivery and resume.
"""

from dataclasses import dataclass

import orjson
from pydantic import BaseModel
from redis.asyncio import Redis

from support_core.redis import Keys

APPEND = """
local seq = 0
for i = 3, #ARGV do
  seq = redis.call('INCR', KEYS[1])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'f', ARGV[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return {seq, redis.call('SMEMBERS', KEYS[3])}
"""


@dataclass(frozen=True)
class Appended:
    """Where a frame landed and who should be told."""

    seq: int
    instances: list[str]


class SessionStream:
    """Append and read a session's outbound frames."""

    def __init__(self, redis: Redis, keys: Keys, *, ttl: int = 86400, max_len: int = 5000) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl
        self._max_len = max_len
        self._append = redis.register_script(APPEND)

    def _names(self, tenant_id: str, session_id: str) -> tuple[str, str, str]:
        return (
            self._keys.session(tenant_id, session_id, "seq"),
            self._keys.session(tenant_id, session_id, "frames"),
            self._keys.session(tenant_id, session_id, "sockets"),
        )

    async def append(self, tenant_id: str, session_id: str, *frames: BaseModel) -> Appended:
        """Give the frames the next `seq`s, in order, and store them; `seq` is the last one's."""
        bodies = [frame.model_dump_json(exclude={"seq"}) for frame in frames]
        seq, instances = await self._append(
            keys=self._names(tenant_id, session_id), args=[self._ttl, self._max_len, *bodies]
        )
        return Appended(int(seq), [i.decode() for i in instances])

    async def read_after(
        self, tenant_id: str, session_id: str, seq: int, *, limit: int = 500
    ) -> list[dict[str, object]]:
        """Frames with a `seq` greater than `seq`, oldest first, each carrying its `seq`."""
        entries: list[tuple[bytes, dict[bytes, bytes]]] = await self._redis.xrange(
            self._names(tenant_id, session_id)[1], min=f"({seq}-0", max="+", count=limit
        )
        frames = []
        for entry_id, fields in entries:
            frame = orjson.loads(fields[b"f"])
            frame["seq"] = int(entry_id.split(b"-")[0])
            frames.append(frame)
        return frames

    async def latest_seq(self, tenant_id: str, session_id: str) -> int:
        """The `seq` of the newest frame (0 if none)."""
        value = await self._redis.get(self._names(tenant_id, session_id)[0])
        return int(value or 0)

    async def attach(self, tenant_id: str, session_id: str, instance_route: str) -> None:
        """Record that a socket for this session lives on `instance_route`."""
        key = self._names(tenant_id, session_id)[2]
        await (
            self._redis.pipeline(transaction=False)
            .sadd(key, instance_route)
            .expire(key, self._ttl)
            .execute()
        )

    async def detach(self, tenant_id: str, session_id: str, instance_route: str) -> None:
        """Forget a socket's instance (last socket of the session on it closed)."""
        await self._redis.srem(self._names(tenant_id, session_id)[2], instance_route)
