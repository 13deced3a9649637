"""Memory: history in order, facts de-duplicated and recalled by relevance and decay,
data rights (export, erasure) through the gateway, idempotent consumption."""

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from contracts import (
    CustomerErased,
    MemoryRecallCompleted,
    MemoryRecallRequested,
    TurnCompleted,
    utcnow,
)
from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from memory.app import create_app as create_memory
from memory.settings import MemorySettings
from support_core.runtime import ServiceRuntime
from support_core.settings import ServiceSettings
from tests.support.client import DEMO_KEY, create_session
from tests.support.infra import RunInfra, wait_until
from tests.support.servers import serve_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def stack(module_infra: RunInfra) -> AsyncIterator[dict[str, Any]]:
    """Gateway and memory in this process, on their own vhost; a probe to publish and ask."""
    connections: dict[str, Any] = module_infra.settings()
    erased: list[CustomerErased] = []
    probe = ServiceRuntime(
        ServiceSettings(service_name="memprobe", **connections), instance_route=True
    )

    @probe.consumer(CustomerErased)
    async def on_erased(event: CustomerErased) -> None:
        erased.append(event)

    memory_app = create_memory(MemorySettings(**connections, access_flush_seconds=0.2))
    gateway_app = create_gateway(GatewaySettings(**connections))
    async with serve_app(memory_app), serve_app(gateway_app) as gateway_url:
        await probe.start()
        try:
            yield {"probe": probe, "gateway": gateway_url, "erased": erased, "infra": module_infra}
        finally:
            await probe.stop()


def turn(
    customer: str | None, session: str, text: str, *, minutes: float = 0, answer: str = "ok"
) -> TurnCompleted:
    started = utcnow() + timedelta(minutes=minutes)
    return TurnCompleted(
        tenant_id="demo",
        session_id=session,
        correlation_id=str(uuid.uuid4()),
        customer_id=customer,
        message_id=uuid.uuid4().hex,
        user_text=text,
        answer_text=answer,
        generator="test",
        started_at=started,
        completed_at=started + timedelta(seconds=1),
    )


async def recall(
    probe: ServiceRuntime, customer: str, session: str, query: str, **limits: int
) -> MemoryRecallCompleted:
    request = MemoryRecallRequested(
        tenant_id="demo", session_id=session, customer_id=customer, query=query, **limits
    )
    return await probe.instance.request(request, MemoryRecallCompleted, timeout=15)


async def export(gateway: str, customer: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=gateway, headers={"X-API-Key": DEMO_KEY}) as http:
        response = await http.get(f"/v1/customers/{customer}/export")
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def fact_count(gateway: str, customer: str, minimum: int) -> list[dict[str, Any]] | None:
    facts = (await export(gateway, customer))["facts"]
    return facts if len(facts) >= minimum else None


async def test_near_identical_facts_are_stored_once(stack: dict[str, Any]) -> None:
    customer, session = f"c-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    for text in ("I like cats.", "i LIKE  cats", "I like cats!"):
        await stack["probe"].publisher.publish(turn(customer, session, text))
    await wait_until(lambda: _messages(stack["gateway"], customer, 6), timeout=15)
    facts = (await export(stack["gateway"], customer))["facts"]
    assert [f["fact_type"] for f in facts] == ["preference"]


async def _messages(gateway: str, customer: str, count: int) -> bool:
    return len((await export(gateway, customer))["messages"]) >= count


async def test_recall_brings_the_fact_that_matters_for_the_new_message(
    stack: dict[str, Any],
) -> None:
    probe, customer, session = stack["probe"], f"c-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    for text in (
        "Hi, my name is Dana Scully.",
        "I prefer email, please contact me by email.",
        "I have the Gold Rewards Card.",
        "My order number is AB-77213 and it has not shipped.",
    ):
        await probe.publisher.publish(turn(customer, session, text))
    await wait_until(lambda: fact_count(stack["gateway"], customer, 5), timeout=15)
    about_order = await recall(
        probe,
        customer,
        str(uuid.uuid4()),
        "Any news on my delivery? The order still hasn't arrived.",
    )
    assert about_order.facts[0].content == "Order number AB-77213"
    about_contact = await recall(
        probe, customer, str(uuid.uuid4()), "How will you get in touch with me?"
    )
    assert about_contact.facts[0].fact_type == "contact_channel"


async def test_stale_facts_decay_below_fresh_ones(stack: dict[str, Any]) -> None:
    probe, customer, session = stack["probe"], f"c-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    await probe.publisher.publish(turn(customer, session, "I like jazz."))
    await probe.publisher.publish(turn(customer, session, "I like rock."))
    await wait_until(lambda: fact_count(stack["gateway"], customer, 2), timeout=15)
    conn = await asyncpg.connect(stack["infra"].database_url.replace("+asyncpg", ""))
    try:
        await conn.execute(
            "UPDATE memory.facts SET updated_at = now() - interval '120 days' "
            "WHERE customer_id = $1 AND content LIKE '%jazz%'",
            customer,
        )
    finally:
        await conn.close()
    recalled = await recall(probe, customer, session, "What music do I like?")
    assert [f.content for f in recalled.facts] == [
        "Customer said: I like rock",
        "Customer said: I like jazz",
    ]
    assert recalled.facts[0].score > recalled.facts[1].score


async def test_recalled_facts_count_their_uses(stack: dict[str, Any]) -> None:
    probe, customer, session = stack["probe"], f"c-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    await probe.publisher.publish(turn(customer, session, "My order number is ZX-40917."))
    await wait_until(lambda: fact_count(stack["gateway"], customer, 1), timeout=15)
    await asyncio.gather(
        *(recall(probe, customer, session, "Where is my order?") for _ in range(8))
    )

    async def uses() -> tuple[int, bool] | None:
        conn = await asyncpg.connect(stack["infra"].database_url.replace("+asyncpg", ""))
        try:
            row = await conn.fetchrow(
                "SELECT access_count, last_accessed_at IS NOT NULL AS seen "
                "FROM memory.facts WHERE customer_id = $1",
                customer,
            )
        finally:
            await conn.close()
        return (row["access_count"], row["seen"]) if row and row["access_count"] >= 8 else None

    assert await wait_until(uses, timeout=10) == (8, True)


async def test_history_keeps_its_order_under_concurrent_turns(stack: dict[str, Any]) -> None:
    probe, session = stack["probe"], str(uuid.uuid4())
    turns = [
        turn("c-order", session, f"message {i}", minutes=i, answer=f"answer {i}") for i in range(20)
    ]
    shuffled = random.sample(turns, len(turns))
    await asyncio.gather(*(probe.publisher.publish(t) for t in shuffled))
    async with httpx.AsyncClient(
        base_url=stack["gateway"], headers={"X-API-Key": DEMO_KEY}
    ) as http:

        async def page() -> list[dict[str, Any]] | None:
            body = (
                await http.get(f"/v1/sessions/{session}/messages", params={"limit": 200})
            ).json()
            return body["messages"] if len(body["messages"]) == 40 else None

        newest_first = await wait_until(page, timeout=20)
        first_page = (
            await http.get(f"/v1/sessions/{session}/messages", params={"limit": 15})
        ).json()
        second_page = (
            await http.get(
                f"/v1/sessions/{session}/messages",
                params={"limit": 15, "before": first_page["next_before"]},
            )
        ).json()
    texts = [m["text"] for m in reversed(newest_first)]
    assert texts == [text for i in range(20) for text in (f"message {i}", f"answer {i}")]
    assert [m["text"] for m in first_page["messages"] + second_page["messages"]] == [
        m["text"] for m in newest_first[:30]
    ]


async def test_recalled_history_is_the_newest_that_fits_the_token_budget(
    stack: dict[str, Any],
) -> None:
    """Messages are counted when stored; rows stored before counts existed are counted on
    recall, with the same result."""
    probe, customer, session = stack["probe"], f"c-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    long_answer = " card" * 40  # 42 word pieces with "answer N"
    for i in range(5):
        await probe.publisher.publish(
            turn(customer, session, f"message {i}", minutes=i, answer=f"answer {i}{long_answer}")
        )
    await wait_until(lambda: _messages(stack["gateway"], customer, 10), timeout=15)
    newest = ["message 3", f"answer 3{long_answer}", "message 4", f"answer 4{long_answer}"]
    counted = await recall(probe, customer, session, "cards", token_budget=100)
    conn = await asyncpg.connect(stack["infra"].database_url.replace("+asyncpg", ""))
    try:
        await conn.execute(
            "UPDATE memory.messages SET tokens = NULL WHERE session_id = $1", session
        )
    finally:
        await conn.close()
    uncounted = await recall(probe, customer, session, "cards", token_budget=100)
    assert [m.text for m in counted.history] == newest
    assert [m.text for m in uncounted.history] == newest


async def test_a_duplicate_turn_is_stored_once(stack: dict[str, Any]) -> None:
    probe, customer, session = stack["probe"], f"c-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    once = turn(customer, session, "My account number is 99887766.")
    await probe.publisher.publish(once)
    await probe.publisher.publish(once)
    await probe.publisher.publish(turn(customer, session, "thanks"))
    await wait_until(lambda: _messages(stack["gateway"], customer, 4), timeout=15)
    exported = await export(stack["gateway"], customer)
    assert len(exported["messages"]) == 4
    assert [f["content"] for f in exported["facts"]] == ["Account number 99887766"]


async def test_erasure_removes_the_customer_from_recall_history_and_export(
    stack: dict[str, Any],
) -> None:
    probe, customer, session = stack["probe"], f"c-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    await probe.publisher.publish(
        turn(customer, session, "My name is Fox Mulder, order number ZX-1013.")
    )
    await wait_until(lambda: fact_count(stack["gateway"], customer, 2), timeout=15)
    async with httpx.AsyncClient(
        base_url=stack["gateway"], headers={"X-API-Key": DEMO_KEY}
    ) as http:
        assert (await http.delete(f"/v1/customers/{customer}")).status_code == 202
    await wait_until(lambda: any(e.customer_id == customer for e in stack["erased"]), timeout=15)
    exported = await export(stack["gateway"], customer)
    assert exported["messages"] == [] and exported["facts"] == []
    recalled = await recall(probe, customer, session, "what is my order number?")
    assert recalled.facts == [] and recalled.history == []


async def test_only_admins_export_or_erase_and_customers_only_read_their_own_session(
    stack: dict[str, Any],
) -> None:
    mine, other = await create_session(stack["gateway"]), await create_session(stack["gateway"])
    async with httpx.AsyncClient(
        base_url=stack["gateway"], headers={"Authorization": f"Bearer {mine.token}"}
    ) as http:
        assert (await http.get(f"/v1/sessions/{mine.session_id}/messages")).status_code == 200
        assert (await http.get(f"/v1/sessions/{other.session_id}/messages")).status_code == 404
        assert (await http.get("/v1/customers/anyone/export")).status_code == 403
        assert (await http.delete("/v1/customers/anyone")).status_code == 403
