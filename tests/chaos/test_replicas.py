"""Replicas on one machine: with two gateways and two orchestrators every message is answered
once, each orchestrator takes its share, and when one of them is killed while customers talk
the other answers the rest, the turns it held included."""

import asyncio
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.chaos.books import count
from tests.chaos.customers import customers, drive
from tests.chaos.stack import ChaosStack, chaos_stack
from tests.support.infra import wait_until
from tests.support.servers import ServiceProcess, wait_ready

pytestmark = pytest.mark.chaos
REPLICATED = ("gateway", "orchestrator")


async def turns_run(process: ServiceProcess) -> float:
    """Turns an orchestrator instance has finished, from its own metrics."""
    async with httpx.AsyncClient(base_url=process.base_url, timeout=10) as http:
        text = (await http.get("/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "support_turns"
        for sample in family.samples
        if sample.name == "support_turns_total"
    )


async def both_took_turns(stack: ChaosStack) -> list[float] | None:
    """Each orchestrator's turns so far, once both have finished some."""
    shares = [await turns_run(stack.services[key]) for key in ("orchestrator", "orchestrator-2")]
    return shares if all(shares) else None


async def test_two_gateways_and_two_orchestrators_answer_every_message_once(
    tmp_path: Path,
) -> None:
    async with chaos_stack(tmp_path, proxied=False) as stack:
        second = {name: stack.start(name, key=f"{name}-2") for name in REPLICATED}
        await asyncio.gather(*(wait_ready(p.base_url, timeout=120) for p in second.values()))
        crowd = await customers(stack.gateway_url, 3, "r1") + await customers(
            second["gateway"].base_url, 3, "r2"
        )
        load = asyncio.ensure_future(drive(crowd, 14))
        shares = await wait_until(lambda: both_took_turns(stack), timeout=30, interval=0.5)
        await asyncio.to_thread(second["orchestrator"].kill)
        await load
        survivor = await turns_run(stack.services["orchestrator"])
        books = await count(crowd, stack.infra, stack.gateway_url)
    assert all(shares), f"each orchestrator runs turns: {shares}"
    assert survivor > shares[0], "the other orchestrator carries on"
    assert books.balanced, books.summary()
    assert books.messages >= 2 * len(crowd)
