"""Every customer message is answered exactly once, whatever fails.

Customers who reconnect, resume and re-send as real clients do keep talking while one fault at a
time is injected: the broker killed, disconnected or out of memory; a service killed or stopped
mid-turn; PostgreSQL or Redis restarted; a link to a server cut, stalled or slowed. Then the
books must balance (`books.py`). `task test:chaos` runs every fault with more load
(CHAOS_FAULTS=all, CHAOS_SESSIONS, CHAOS_SECONDS of talk after each recovery); the default
run takes a short list.
"""

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.chaos.books import count, parked
from tests.chaos.customers import customers, drive
from tests.chaos.faults import FAULTS, SHORT, Fault
from tests.chaos.stack import ChaosStack, chaos_stack
from tests.support.client import FrameReader, connect, create_session
from tests.support.servers import SERVICES, wait_ready

pytestmark = pytest.mark.chaos
CHOSEN = FAULTS if os.environ.get("CHAOS_FAULTS") == "all" else SHORT
SESSIONS = int(os.environ.get("CHAOS_SESSIONS", "4"))
TALK_AFTER_RECOVERY = float(os.environ.get("CHAOS_SECONDS", "6"))
FAULT_AFTER = 3.0
REPORT = os.environ.get("CHAOS_REPORT")


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ChaosStack]:
    async with chaos_stack(tmp_path_factory.mktemp("chaos")) as running:
        yield running


@pytest.mark.parametrize("fault", CHOSEN, ids=[f.name for f in CHOSEN])
async def test_every_message_is_answered_once_through_the_fault(
    stack: ChaosStack, fault: Fault
) -> None:
    before = await parked(stack.infra)
    crowd = await customers(stack.gateway_url, SESSIONS, f"f{CHOSEN.index(fault)}")
    load = asyncio.ensure_future(drive(crowd, FAULT_AFTER + fault.lasts + TALK_AFTER_RECOVERY))
    await asyncio.sleep(FAULT_AFTER)
    started = time.monotonic()
    await fault.inject(stack)
    await asyncio.sleep(fault.lasts)
    await fault.recover(stack)
    for process in stack.services.values():
        await wait_ready(process.base_url, timeout=120)
    recovered = time.monotonic() - started
    await load
    books = await count(crowd, stack.infra, stack.gateway_url)
    if REPORT:
        with Path(REPORT).open("a") as report:
            line = {"fault": fault.name, "recovery_s": round(recovered, 1), **books.summary()}
            report.write(json.dumps(line, default=str) + "\n")
    assert books.balanced, books.summary()
    assert await parked(stack.infra) == before, "a healthy message was parked"


async def test_a_message_sent_as_soon_as_a_fresh_gateway_is_ready_is_answered(
    tmp_path: Path,
) -> None:
    """An empty vhost and database: the gateway is ready before the orchestrator has ever run,
    and the customer's first message waits in the orchestrator's queue until it starts."""
    without = tuple(name for name in SERVICES if name != "orchestrator")
    async with chaos_stack(tmp_path, start=without) as fresh:
        crowd = await customers(fresh.gateway_url, 1, "fresh")
        load = asyncio.ensure_future(drive(crowd, 0, turns=1, silence=60))
        await asyncio.sleep(10)
        await wait_ready(fresh.start("orchestrator").base_url, timeout=120)
        await asyncio.wait_for(load, 90)
        assert crowd[0].answer_turns(crowd[0].sent[0])


async def test_a_turn_without_progress_gets_turn_timeout_then_its_one_late_answer(
    tmp_path: Path,
) -> None:
    """No orchestrator at first: the customer gets `turn_timeout` for the turn after the
    deadline, a re-send is acknowledged with the same turn and starts nothing, and once the
    orchestrator starts the turn is answered, once."""
    without = tuple(name for name in SERVICES if name != "orchestrator")
    async with chaos_stack(tmp_path, start=without, GATEWAY_TURN_DEADLINE_SECONDS="2") as late:
        session = await create_session(late.gateway_url)
        async with connect(session) as socket:
            reader = FrameReader(socket)
            message = {"type": "user_message", "client_message_id": "late-1", "text": "Hello?"}
            await reader.send(message)
            ack = await reader.until("ack")
            timeout = await reader.until("error", timeout=10)
            assert timeout["code"] == "turn_timeout" and timeout["turn_id"] == ack["turn_id"]
            await reader.send(message)
            again = await reader.until("ack")
            assert again["turn_id"] == ack["turn_id"]
            await wait_ready(late.start("orchestrator").base_url, timeout=120)
            answer = await reader.until("answer_completed", timeout=60)
            assert answer["turn_id"] == ack["turn_id"]
            await asyncio.sleep(3)
            await reader.send({"type": "ping"})
            await reader.until("pong")
        answers = [f for f in reader.frames if f["type"] == "answer_completed"]
        timeouts = [f for f in reader.frames if f.get("code") == "turn_timeout"]
        assert len(answers) == 1 and len(timeouts) == 1
