"""Session state shared by replicas: counts stay exact under concurrency across processes."""

import asyncio
import sys
import uuid

import pytest
from prometheus_client import CollectorRegistry

from support_core.degraded import RedisGuard
from support_core.redis import Keys, create_redis
from support_core.session_state import SessionState
from support_core.settings import RedisSettings
from tests.support.infra import RunInfra

pytestmark = pytest.mark.integration

REPLICA = """
import asyncio, sys
from prometheus_client import CollectorRegistry
from support_core.degraded import RedisGuard
from support_core.redis import Keys, create_redis
from support_core.session_state import SessionState
from support_core.settings import RedisSettings

async def main() -> None:
    redis = create_redis(RedisSettings(url=sys.argv[1]))
    state = SessionState(redis, Keys(sys.argv[2]), RedisGuard(redis, CollectorRegistry()))
    await asyncio.gather(*(state.count_message("acme", sys.argv[3]) for _ in range(100)))
    await redis.aclose()

asyncio.run(main())
"""


async def test_two_processes_counting_200_messages_concurrently_count_200(infra: RunInfra) -> None:
    session = str(uuid.uuid4())
    replicas = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", REPLICA, infra.redis_url, infra.name, session
        )
        for _ in range(2)
    ]
    assert [await replica.wait() for replica in replicas] == [0, 0]
    redis = create_redis(RedisSettings(url=infra.redis_url))
    try:
        state = SessionState(redis, Keys(infra.name), RedisGuard(redis, CollectorRegistry()))
        assert (await state.get("acme", session)).message_count == 200
    finally:
        await redis.aclose()
