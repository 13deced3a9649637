"""Private RabbitMQ vhost, PostgreSQL database and Redis key prefix for one test run."""

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import asyncpg
from redis.asyncio import Redis

from support_core.settings import DatabaseSettings, RabbitSettings, RedisSettings

STALE_AFTER_SECONDS = 2 * 3600
PREFIX = "support_test_"


def _setting(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass
class RunInfra:
    """Names and URLs of this run's isolated resources."""

    name: str = field(default_factory=lambda: f"{PREFIX}{int(time.time())}_{uuid.uuid4().hex[:6]}")
    amqp_base: str = field(
        default_factory=lambda: _setting("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    )
    pg_base: str = field(
        default_factory=lambda: _setting(
            "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432"
        )
    )
    redis_url: str = field(
        default_factory=lambda: _setting("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )

    @property
    def rabbitmq_url(self) -> str:
        """AMQP URL of the private vhost."""
        return self.amqp_base.rstrip("/") + "/" + quote(self.name, safe="")

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL of the private database."""
        return self.pg_base.replace("postgresql://", "postgresql+asyncpg://") + "/" + self.name

    def settings(self) -> dict[str, Any]:
        """Connection settings for a service settings object (instead of the environment)."""
        return {
            "rabbitmq": RabbitSettings(url=self.rabbitmq_url),
            "database": DatabaseSettings(url=self.database_url),
            "redis": RedisSettings(url=self.redis_url, key_prefix=self.name),
        }

    def env(self) -> dict[str, str]:
        """Environment every service of this run is started with."""
        return {
            "RABBITMQ_URL": self.rabbitmq_url,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.name,
            "TELEMETRY_LOG_LEVEL": "WARNING",
            "GATEWAY_ENVIRONMENT": "test",
        }

    async def create(self) -> None:
        """Create the vhost and the database (and drop leftovers of crashed runs)."""
        await self._drop_stale()
        rabbitmqctl("add_vhost", self.name)
        rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
        conn = await asyncpg.connect(self.pg_base + "/postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await conn.close()

    async def destroy(self) -> None:
        """Remove everything this run created."""
        await _drop(self.name, self.pg_base, self.redis_url)

    async def _drop_stale(self) -> None:
        conn = await asyncpg.connect(self.pg_base + "/postgres")
        try:
            names = [r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")]
        finally:
            await conn.close()
        vhosts = rabbitmqctl("list_vhosts", "--quiet", "--no-table-headers").split()
        for name in {n for n in names + vhosts if _is_stale(n)}:
            await _drop(name, self.pg_base, self.redis_url)


@contextlib.asynccontextmanager
async def isolated() -> AsyncIterator[RunInfra]:
    """A vhost, database and Redis prefix of their own, removed afterwards."""
    resources = RunInfra()
    await resources.create()
    try:
        yield resources
    finally:
        await resources.destroy()


def _is_stale(name: str) -> bool:
    if not name.startswith(PREFIX):
        return False
    try:
        created = int(name[len(PREFIX) :].split("_")[0])
    except ValueError:
        return False
    return time.time() - created > STALE_AFTER_SECONDS


async def _drop(name: str, pg_base: str, redis_url: str) -> None:
    rabbitmqctl("delete_vhost", name, check=False)
    conn = await asyncpg.connect(pg_base + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
    redis = Redis.from_url(redis_url)
    try:
        async for key in redis.scan_iter(match=f"{name}:*", count=1000):
            await redis.delete(key)
    finally:
        await redis.aclose()


def rabbitmqctl(*args: str, check: bool = True) -> str:
    """Run rabbitmqctl (the tests run where the broker runs)."""
    binary = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    done = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if check and done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr or done.stdout}")
    return done.stdout


async def wait_until(predicate, *, timeout: float = 10.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll an (async) predicate until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)
