"""Redis stops in the middle of a conversation: turns still complete (degraded), readiness says
so, and session state and frames are reconciled when Redis is back."""

import subprocess
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from support_core.degraded import RedisGuard
from support_core.redis import Keys, create_redis
from support_core.session_state import SessionState
from support_core.settings import RedisSettings
from tests.e2e.conftest import Stack
from tests.support.client import FrameReader, chat_turn, connect, create_session
from tests.support.infra import wait_until

pytestmark = pytest.mark.e2e
ENSURE_INFRA = Path(__file__).parents[2] / "infra" / "local" / "ensure-infra.sh"


def stop_redis() -> None:
    subprocess.run(
        ["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True, check=False
    )


def start_redis() -> None:
    subprocess.run([str(ENSURE_INFRA)], capture_output=True, check=True, timeout=60)


async def readiness(stack: Stack, service: str) -> dict[str, object]:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{stack.services[service].base_url}/readyz")
    body: dict[str, object] = response.json()
    return body


async def status_is(stack: Stack, service: str, status: str) -> bool:
    return (await readiness(stack, service))["status"] == status


async def test_turns_complete_while_redis_is_down_and_state_reconciles(stack: Stack) -> None:
    session = await create_session(stack.gateway_url, customer_id="outage-customer")
    async with connect(session) as ws:
        reader = FrameReader(ws)
        await chat_turn(reader, "before the outage", "m-0")
        seen_before = reader.frames[-1]["seq"]
        stop_redis()
        try:
            during = await chat_turn(reader, "while Redis is down", "m-1")
            assert during["text"]
            await chat_turn(reader, "still down", "m-2")
            for service in ("gateway", "orchestrator"):
                await wait_until(lambda s=service: status_is(stack, s, "degraded"), timeout=15)
                checks = (await readiness(stack, service))["checks"]
                assert checks["redis"]["ok"] is False  # type: ignore[index]
            async with httpx.AsyncClient() as http:
                metrics = (await http.get(f"{stack.gateway_url}/metrics")).text
            assert "support_redis_degraded 1.0" in metrics
        finally:
            start_redis()
        for service in stack.services:
            await wait_until(lambda s=service: status_is(stack, s, "ready"), timeout=30)
        after = await chat_turn(reader, "after the outage", "m-3")
        assert after["text"]
        seqs = [frame["seq"] for frame in reader.frames]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))

    redis = create_redis(RedisSettings(url=stack.infra.redis_url))
    try:
        state = SessionState(redis, Keys(stack.infra.name), RedisGuard(redis, CollectorRegistry()))
        assert (await state.get("demo", session.session_id)).message_count == 4
    finally:
        await redis.aclose()

    async with connect(session) as ws:
        replay = FrameReader(ws)
        await replay.send({"type": "resume", "last_seq": seen_before})
        resumed = [await replay.next() for _ in range(len(reader.frames) - seen_before)]
    assert [f["seq"] for f in resumed] == list(range(seen_before + 1, reader.frames[-1]["seq"] + 1))
