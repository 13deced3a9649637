"""The CRM lookup tool template against a local customer system that answers, does not know the
customer, fails and hangs; its circuit breaker state is shared through Redis by two replicas."""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from opentelemetry import trace
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from contracts import ChatMessageReceived
from orchestrator.breakers import BreakerRegistry
from orchestrator.context import TurnContext
from orchestrator.crm import CrmLookupTool
from orchestrator.tools import ToolResult, ToolRunner
from support_core.degraded import RedisGuard
from support_core.redis import Keys
from tests.support.infra import RunInfra, wait_until
from tests.support.servers import serve_app

pytestmark = pytest.mark.integration
RECORD = {"customer_id": "c-known", "name": "Ada Lovelace", "tier": "gold"}
ATTEMPTS = 3
TIMEOUT = 1.0


def customer_system(hits: Counter[str]) -> FastAPI:
    """A customer system whose behaviour depends on the customer id it is asked about."""
    app = FastAPI()

    @app.get("/customers/{customer_id}")
    async def customer(customer_id: str) -> dict[str, str]:
        hits[customer_id] += 1
        if customer_id == "c-known":
            return RECORD
        if customer_id == "c-flaky" and hits[customer_id] < ATTEMPTS:
            raise HTTPException(503, "warming up")
        if customer_id == "c-flaky":
            return RECORD | {"customer_id": "c-flaky"}
        if customer_id == "c-broken":
            raise HTTPException(500, "database on fire")
        if customer_id == "c-hang":
            await asyncio.sleep(30)
        raise HTTPException(404, "no such customer")

    return app


@dataclass
class Replica:
    """One orchestrator replica's view: its breakers, its runner and its CRM tool."""

    breakers: BreakerRegistry
    runner: ToolRunner
    tool: CrmLookupTool

    async def lookup(self, customer_id: str | None) -> tuple[ToolResult, TurnContext]:
        context = TurnContext(
            ChatMessageReceived(
                tenant_id="acme",
                session_id=str(uuid.uuid4()),
                correlation_id=str(uuid.uuid4()),
                customer_id=customer_id,
                message_id="m",
                text="Where is my order?",
                gateway_instance="gateway.test",
            )
        )
        return await self.runner.call(self.tool, context), context


@pytest.fixture
async def crm(infra: RunInfra) -> AsyncIterator[tuple[Counter[str], list[Replica]]]:
    """The customer system and two replicas sharing breaker state through this run's Redis."""
    hits: Counter[str] = Counter()
    redis = Redis.from_url(infra.redis_url)
    keys = Keys(f"{infra.name}:{uuid.uuid4().hex[:8]}")
    clients: list[httpx.AsyncClient] = []
    tasks: list[asyncio.Task[None]] = []
    async with serve_app(customer_system(hits)) as url:
        replicas = []
        for _ in range(2):
            metrics = CollectorRegistry()
            breakers = BreakerRegistry(
                redis,
                keys,
                RedisGuard(redis, metrics),
                metrics,
                fail_max=2,
                reset_timeout=0.5,
                sync_interval=0.05,
            )
            tasks.append(asyncio.create_task(breakers.sync_forever()))
            client = httpx.AsyncClient(base_url=url, timeout=TIMEOUT / ATTEMPTS)
            clients.append(client)
            tool = CrmLookupTool(client, ATTEMPTS, backoff_seconds=0.01, timeout=TIMEOUT)
            runner = ToolRunner(breakers, trace.get_tracer("test"), metrics)
            replicas.append(Replica(breakers, runner, tool))
        try:
            yield hits, replicas
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for client in clients:
                await client.aclose()
            await redis.aclose()


async def test_a_known_customer_comes_back_with_the_record(
    crm: tuple[Counter[str], list[Replica]],
) -> None:
    hits, [replica, _] = crm
    result, context = await replica.lookup("c-known")
    assert result == ToolResult(True, RECORD, {"found": True})
    assert hits["c-known"] == 1
    [call] = context.tools_called
    assert (call.name, call.status, call.error) == ("crm", "ok", None)


async def test_an_unknown_customer_is_not_a_failure_and_is_not_retried(
    crm: tuple[Counter[str], list[Replica]],
) -> None:
    hits, [replica, _] = crm
    result, context = await replica.lookup("c-nobody")
    assert result == ToolResult(True, None, {"found": False})
    assert hits["c-nobody"] == 1
    assert context.tools_called[0].status == "ok"


async def test_an_anonymous_session_does_not_call_the_system(
    crm: tuple[Counter[str], list[Replica]],
) -> None:
    hits, [replica, _] = crm
    result, _ = await replica.lookup(None)
    assert result.success and result.metadata["found"] is False
    assert not hits


async def test_server_errors_are_retried_with_backoff_until_one_succeeds(
    crm: tuple[Counter[str], list[Replica]],
) -> None:
    hits, [replica, _] = crm
    result, _ = await replica.lookup("c-flaky")
    assert result.success and result.data["customer_id"] == "c-flaky"
    assert hits["c-flaky"] == ATTEMPTS


async def test_a_failing_system_is_an_error_result_after_every_attempt(
    crm: tuple[Counter[str], list[Replica]],
) -> None:
    hits, [replica, _] = crm
    result, context = await replica.lookup("c-broken")
    assert not result.success
    assert "500" in (result.error or "")
    assert hits["c-broken"] == ATTEMPTS
    assert context.tools_called[0].status == "error"


async def test_a_hanging_system_times_out_within_the_tool_budget(
    crm: tuple[Counter[str], list[Replica]],
) -> None:
    _, [replica, _] = crm
    started = asyncio.get_running_loop().time()
    result, context = await replica.lookup("c-hang")
    elapsed = asyncio.get_running_loop().time() - started
    assert not result.success
    assert context.tools_called[0].status in {"timeout", "error"}
    assert elapsed < TIMEOUT + 0.5


async def test_one_replica_opening_the_circuit_opens_it_for_the_other_until_it_recovers(
    crm: tuple[Counter[str], list[Replica]],
) -> None:
    hits, [first, second] = crm
    for _ in range(2):
        await first.lookup("c-broken")
    assert first.breakers.states()["crm"] == "open"
    second.breakers.get("crm")

    async def second_open() -> bool:
        return second.breakers.states()["crm"] == "open"

    await wait_until(second_open, timeout=3)
    asked = hits["c-known"]
    result, context = await second.lookup("c-known")
    assert not result.success
    assert context.tools_called[0].status == "circuit_open"
    assert hits["c-known"] == asked  # the open circuit kept the call from the system

    async def half_open_trial_succeeds() -> bool:
        result, _ = await second.lookup("c-known")  # refused without a call until reset_timeout
        return result.success

    assert await wait_until(half_open_trial_succeeds, timeout=3, interval=0.1)

    async def first_closed() -> bool:
        return first.breakers.states()["crm"] == "closed"

    await wait_until(first_closed, timeout=3)
