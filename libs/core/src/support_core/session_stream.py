"""Per-session frame stream in Redis: the source of truth for what a client has been sent.

A producer appends frames and gets the last `seq` plus the gateway instances holding the
session's sockets in one round trip; the gateway reads frames back by `seq` for live delivery
and resume.

While Redis is unreachable, the gateway holding a socket keeps the session's new frames in
memory (numbering on from the last `seq` it knew) and copies them into Redis on recovery;
a producer elsewhere gets `None` from `append` and delivers the frames to that gateway inline.
"""

from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel
from redis.asyncio import Redis

from support_core.degraded import RedisGuard
from support_core.recent import Recent
from support_core.redis import Keys

# ARGV: ttl, max length, floor (the last seq this process knew), holder (1/0), frames...
# A missing counter for a session this process knew means Redis lost its data: the holder of
# the session's sockets re-seeds it; any other producer must hand its frames to that holder.
APPEND = """
local floor = tonumber(ARGV[3])
if floor > 0 and redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[4] ~= '1' then return {-1, {}} end
  redis.call('SET', KEYS[1], floor)
end
local seq = 0
for i = 5, #ARGV do
  seq = redis.call('INCR', KEYS[1])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'f', ARGV[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return {seq, redis.call('SMEMBERS', KEYS[3])}
"""
RESTORE = """
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
for i = 2, #ARGV, 2 do
  local seq = tonumber(ARGV[i])
  if seq > last then
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', 5000, seq .. '-0', 'f', ARGV[i + 1])
    last = seq
  end
end
redis.call('SET', KEYS[1], last, 'EX', ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return last
"""
Frame = dict[str, Any]


@dataclass(frozen=True)
class Appended:
    """Where frames landed and who should be told (`held`: kept by this process, for its own
    sockets, while Redis is unreachable)."""

    seq: int
    instances: list[str]
    held: bool = False


@dataclass
class _Held:
    tenant_id: str
    seq: int
    frames: list[tuple[int, str]] = field(default_factory=list)


def encode(frame: BaseModel) -> str:
    """A frame as stored (its `seq` is the stream position)."""
    return frame.model_dump_json(exclude={"seq"})


class SessionStream:
    """Append and read a session's outbound frames; `holds_sockets` for the gateway."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        guard: RedisGuard,
        *,
        ttl: int = 86400,
        max_len: int = 5000,
        holds_sockets: bool = False,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._guard = guard
        self._ttl = ttl
        self._max_len = max_len
        self._append = redis.register_script(APPEND)
        self._restore = redis.register_script(RESTORE)
        self._holds_sockets = holds_sockets
        self._last_seq: Recent[str, int] = Recent()
        self._held: dict[str, _Held] = {}
        if holds_sockets:
            guard.on_recovery(self.reconcile)

    def _names(self, tenant_id: str, session_id: str) -> tuple[str, str, str]:
        return (
            self._keys.session(tenant_id, session_id, "seq"),
            self._keys.session(tenant_id, session_id, "frames"),
            self._keys.session(tenant_id, session_id, "sockets"),
        )

    def _remember(self, session_id: str, seq: int) -> None:
        self._last_seq[session_id] = max(seq, self._last_seq.get(session_id, 0))

    async def append(self, tenant_id: str, session_id: str, *frames: BaseModel) -> Appended | None:
        """Give the frames the next `seq`s in order and store them; None if Redis is down and
        this process holds no sockets (deliver the frames inline instead)."""
        return await self.append_encoded(tenant_id, session_id, [encode(f) for f in frames])

    async def append_encoded(
        self, tenant_id: str, session_id: str, bodies: list[str]
    ) -> Appended | None:
        """`append` for frames already serialised."""

        async def remote() -> Appended | None:
            floor = self._last_seq.get(session_id, 0)
            holder = int(self._holds_sockets)
            seq, instances = await self._append(
                keys=self._names(tenant_id, session_id),
                args=[self._ttl, self._max_len, floor, holder, *bodies],
            )
            if int(seq) < 0:
                return None
            self._remember(session_id, int(seq))
            return Appended(int(seq), [i.decode() for i in instances])

        def local() -> Appended | None:
            if not self._holds_sockets:
                return None
            held = self._held.setdefault(
                session_id, _Held(tenant_id, self._last_seq.get(session_id, 0))
            )
            for body in bodies:
                held.seq += 1
                held.frames.append((held.seq, body))
            return Appended(held.seq, [], held=True)

        return await self._guard.run(remote, local)

    async def read_after(
        self, tenant_id: str, session_id: str, seq: int, *, limit: int = 500
    ) -> list[Frame]:
        """Frames with a `seq` greater than `seq`, oldest first, each carrying its `seq`."""

        async def remote() -> list[Frame]:
            entries: list[tuple[bytes, dict[bytes, bytes]]] = await self._redis.xrange(
                self._names(tenant_id, session_id)[1], min=f"({seq}-0", max="+", count=limit
            )
            frames = [
                _decode(int(entry_id.split(b"-")[0]), fields[b"f"]) for entry_id, fields in entries
            ]
            if frames:
                self._remember(session_id, int(frames[-1]["seq"]))
            return frames

        def local() -> list[Frame]:
            held = self._held.get(session_id)
            frames = held.frames if held else []
            return [_decode(s, body) for s, body in frames if s > seq][:limit]

        return await self._guard.run(remote, local)

    async def has_frame(self, tenant_id: str, session_id: str, kind: str, **fields: object) -> bool:
        """Whether the session's stream still holds a frame of this type with these values."""
        frames = await self.read_after(tenant_id, session_id, 0, limit=self._max_len)
        return any(
            f.get("type") == kind and all(f.get(k) == v for k, v in fields.items()) for f in frames
        )

    async def latest_seq(self, tenant_id: str, session_id: str) -> int:
        """The `seq` of the newest frame (0 if none)."""

        async def remote() -> int:
            value = int(await self._redis.get(self._names(tenant_id, session_id)[0]) or 0)
            self._remember(session_id, value)
            return value

        def local() -> int:
            held = self._held.get(session_id)
            return held.seq if held else self._last_seq.get(session_id, 0)

        return await self._guard.run(remote, local)

    async def attach(self, tenant_id: str, session_id: str, instance_route: str) -> None:
        """Record that a socket for this session lives on `instance_route`."""
        key = self._names(tenant_id, session_id)[2]

        async def remote() -> None:
            pipe = self._redis.pipeline(transaction=False)
            pipe.sadd(key, instance_route)
            pipe.expire(key, self._ttl)
            await pipe.execute()

        await self._guard.run(remote, lambda: None)

    async def detach(self, tenant_id: str, session_id: str, instance_route: str) -> None:
        """Forget a socket's instance (last socket of the session on it closed)."""
        key = self._names(tenant_id, session_id)[2]
        await self._guard.run(lambda: self._redis.srem(key, instance_route), lambda: 0)

    async def reconcile(self) -> None:
        """Copy frames held during an outage into Redis so any gateway can replay them."""
        while self._held:
            session_id, held = self._held.popitem()
            seq_key, frames_key, _ = self._names(held.tenant_id, session_id)
            args: list[Any] = [self._ttl]
            for seq, body in held.frames:
                args += [seq, body]
            try:
                last = await self._restore(keys=[seq_key, frames_key], args=args)
            except Exception:
                self._held[session_id] = held
                raise
            self._remember(session_id, int(last))


def _decode(seq: int, body: bytes | str) -> Frame:
    frame: Frame = orjson.loads(body)
    frame["seq"] = seq
    return frame
