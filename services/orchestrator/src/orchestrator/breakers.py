"""Circuit breakers per dependency (pybreaker), their state shared by every replica via Redis.

pybreaker reads its storage synchronously, so each replica keeps the state in memory, writes
changes to Redis in the background and adopts changes made by other replicas every second.
Failure counts stay per replica; when one replica opens a circuit, all of them follow.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import pybreaker
from prometheus_client import CollectorRegistry, Gauge
from redis.asyncio import Redis

from support_core.degraded import RedisGuard
from support_core.redis import Keys

log = logging.getLogger(__name__)
STATE_VALUES = {pybreaker.STATE_CLOSED: 0, pybreaker.STATE_HALF_OPEN: 1, pybreaker.STATE_OPEN: 2}
# Background writes may reach Redis out of order: only a newer change replaces the stored one.
WRITE_IF_NEWER = """
local stored = tonumber(redis.call('HGET', KEYS[1], 'changed_at') or '0')
if tonumber(ARGV[3]) > stored then
  redis.call('HSET', KEYS[1], 'state', ARGV[1], 'opened_at', ARGV[2], 'changed_at', ARGV[3])
end
"""


class SharedStorage(pybreaker.CircuitBreakerStorage):
    """Breaker state in memory, mirrored to a Redis hash (`state`, `opened_at`, `changed_at`)."""

    def __init__(self, name: str, publish: "BreakerRegistry") -> None:
        super().__init__(name)
        self._state = pybreaker.STATE_CLOSED
        self._counter = 0
        self._success = 0
        self._opened_at: datetime | None = None
        self.changed_at = 0.0
        self._registry = publish

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.changed_at = datetime.now(UTC).timestamp()
            self._registry.publish(self)

    def adopt(self, state: str, opened_at: datetime | None, changed_at: float) -> None:
        """Take a newer state decided by another replica."""
        self._state, self._opened_at, self.changed_at = state, opened_at, changed_at
        self._counter = self._success = 0

    def increment_counter(self) -> None:
        self._counter += 1

    def reset_counter(self) -> None:
        self._counter = 0

    def increment_success_counter(self) -> None:
        self._success += 1

    def reset_success_counter(self) -> None:
        self._success = 0

    @property
    def counter(self) -> int:
        return self._counter

    @property
    def success_counter(self) -> int:
        return self._success

    @property
    def opened_at(self) -> datetime | None:
        return self._opened_at

    @opened_at.setter
    def opened_at(self, when: datetime) -> None:
        self._opened_at = when


class _Gauge(pybreaker.CircuitBreakerListener):
    def __init__(self, gauge: Gauge) -> None:
        self._gauge = gauge

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        self._gauge.labels(breaker=cb.name or "").set(STATE_VALUES[new_state.name])
        if old_state is not None and old_state.name == new_state.name:
            return  # pybreaker re-announces a state it re-read from storage
        log.warning(
            "circuit %s: %s -> %s", cb.name, old_state.name if old_state else None, new_state.name
        )


class BreakerRegistry:
    """One breaker per dependency, created on first use."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        guard: RedisGuard,
        metrics: CollectorRegistry,
        *,
        fail_max: int,
        reset_timeout: float,
        sync_interval: float = 1.0,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._guard = guard
        self._fail_max = fail_max
        self._reset_timeout = reset_timeout
        self._sync_interval = sync_interval
        self._breakers: dict[str, pybreaker.CircuitBreaker] = {}
        self._storages: dict[str, SharedStorage] = {}
        self._gauge = Gauge(
            "support_circuit_breaker_state",
            "Circuit state per dependency: 0 closed, 1 half-open, 2 open",
            ["breaker"],
            registry=metrics,
        )
        self._writes: set[asyncio.Task[None]] = set()
        self._write_if_newer = redis.register_script(WRITE_IF_NEWER)

    def get(self, name: str) -> pybreaker.CircuitBreaker:
        """The breaker guarding `name`."""
        if name not in self._breakers:
            storage = SharedStorage(name, self)
            self._storages[name] = storage
            self._breakers[name] = pybreaker.CircuitBreaker(
                fail_max=self._fail_max,
                reset_timeout=self._reset_timeout,
                state_storage=storage,
                listeners=[_Gauge(self._gauge)],
                name=name,
            )
            self._gauge.labels(breaker=name).set(0)
        return self._breakers[name]

    def states(self) -> dict[str, str]:
        """Each breaker's current state."""
        return {name: breaker.current_state for name, breaker in self._breakers.items()}

    async def check(self) -> str:
        """Readiness detail (never fails: an open circuit degrades turns, it does not stop them)."""
        return (
            ", ".join(f"{name}={state}" for name, state in sorted(self.states().items())) or "none"
        )

    def _key(self, name: str) -> str:
        return self._keys.platform(f"breaker:{name}")

    def publish(self, storage: SharedStorage) -> None:
        """Write a state change to Redis in the background."""
        change = [
            storage.state,
            storage.opened_at.timestamp() if storage.opened_at else "",
            storage.changed_at,
        ]
        key = self._key(storage.name)

        async def write() -> None:
            await self._guard.run(lambda: self._write_if_newer(keys=[key], args=change), lambda: 0)

        with contextlib.suppress(RuntimeError):  # no running loop: nothing to mirror to
            task = asyncio.get_running_loop().create_task(write())
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

    async def _remote_state(self, name: str) -> dict[bytes, bytes]:
        key = self._key(name)

        async def read() -> dict[bytes, bytes]:
            state: dict[bytes, bytes] = await self._redis.hgetall(key)
            return state

        return await self._guard.run(read, dict)

    async def sync_forever(self) -> None:
        """Adopt state changes other replicas made."""
        while True:
            await asyncio.sleep(self._sync_interval)
            for name, storage in list(self._storages.items()):
                remote = await self._remote_state(name)
                changed_at = float(remote.get(b"changed_at", b"0") or 0)
                if remote and changed_at > storage.changed_at:
                    opened = remote.get(b"opened_at", b"")
                    storage.adopt(
                        remote[b"state"].decode(),
                        datetime.fromtimestamp(float(opened), UTC) if opened else None,
                        changed_at,
                    )
                    self._gauge.labels(breaker=name).set(STATE_VALUES[storage.state])
