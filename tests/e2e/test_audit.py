"""The audit trail through the public surface: redaction, queries, export, verify, retention."""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest

from contracts import AgentMessageSent, Event, utcnow
from gateway.settings import GatewaySettings
from gateway.tokens import Principal, Role, TokenIssuer
from tests.e2e.conftest import Stack
from tests.support.client import DEMO_KEY, FrameReader, chat_turn, connect, create_session
from tests.support.infra import wait_until
from tests.support.pii_corpus import EDGE_CASES, CorpusFactory, Sample
from tests.support.servers import wait_ready

pytestmark = pytest.mark.e2e
DETECTED = ("CARD", "EMAIL", "IBAN", "IP", "PERSON", "PHONE", "SSN")
CHAT_PII = {
    "card": "4111 1111 1111 1111",
    "email": "jane.roe@example.com",
    "phone": "+44 20 7946 0958",
    "iban": "DE89 3704 0044 0532 0130 00",
    "ssn": "123-45-6789",
    "ip": "203.0.113.7",
    "name": "Jane Roe",
}
CHAT_KEEP = ("#5521873", "$1,234.56", "2024-05-01", "4111 1111 1111 1112")


def token(tenant: str, role: Role = "auditor") -> dict[str, str]:
    """Authorization header with a token signed like the gateway's own."""
    issuer = TokenIssuer(GatewaySettings().jwt_secret.get_secret_value(), ttl_seconds=600)
    issued, _ = issuer.issue(Principal(tenant_id=tenant, role=role, subject=f"{role}-tests"))
    return {"Authorization": f"Bearer {issued}"}


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        yield client


async def publish(stack: Stack, *events: Event) -> None:
    """Publish events on `support.events` as their producing services would."""
    async with await aio_pika.connect(stack.infra.rabbitmq_url) as connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("support.events")
        for event in events:
            await exchange.publish(
                aio_pika.Message(
                    event.model_dump_json().encode(),
                    message_id=str(event.event_id),
                    content_type="application/json",
                ),
                routing_key=event.event_type,
            )


async def sql(stack: Stack, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(stack.infra.database_url.replace("+asyncpg", ""))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def recorded(stack: Stack, tenant: str) -> int:
    rows = await sql(stack, "SELECT count(*) AS n FROM audit.records WHERE tenant_id = $1", tenant)
    return int(rows[0]["n"])


async def wait_recorded(stack: Stack, tenant: str, count: int) -> None:
    await wait_until(lambda: _has(stack, tenant, count), timeout=30)


async def _has(stack: Stack, tenant: str, count: int) -> bool:
    return await recorded(stack, tenant) == count


async def _pruned(stack: Stack, tenant: str, count: int) -> bool:
    rows = await sql(
        stack, "SELECT pruned_count FROM audit.chain_checkpoints WHERE tenant_id = $1", tenant
    )
    return bool(rows) and rows[0]["pruned_count"] == count


def agent_message(tenant: str, text: str, *, ticket: str = "T-1", **fields: Any) -> Event:
    return AgentMessageSent(
        tenant_id=tenant,
        session_id=f"s-{tenant}",
        ticket_id=ticket,
        agent_id="agent-1",
        text=text,
        **fields,
    )


def leaks(text: str, samples: list[Sample]) -> list[str]:
    """Personal data of the samples that appears in `text`."""
    return [value for sample in samples for value in sample.values(*DETECTED) if value in text]


async def test_a_chat_turn_is_recorded_redacted_and_queried_by_session(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    session = await create_session(stack.gateway_url, customer_id="cust-audit")
    text = (
        f"Hi, my name is {CHAT_PII['name']}. My card {CHAT_PII['card']} was charged "
        f"{CHAT_KEEP[1]} twice for order {CHAT_KEEP[0]} on {CHAT_KEEP[2]}; the number "
        f"{CHAT_KEEP[3]} was refused. Write to {CHAT_PII['email']} or call {CHAT_PII['phone']}. "
        f"Refund to {CHAT_PII['iban']}. SSN {CHAT_PII['ssn']}, I was on {CHAT_PII['ip']}."
    )
    async with connect(session) as ws:
        await chat_turn(FrameReader(ws), text, "m-pii")

    async def turn_recorded() -> list[dict[str, Any]] | None:
        response = await http.get(
            f"/v1/audit/sessions/{session.session_id}/records", headers=token("demo")
        )
        if response.status_code != 200:
            return None
        records: list[dict[str, Any]] = response.json()["records"]
        return records if "turn.completed" in {r["event_type"] for r in records} else None

    records = await wait_until(turn_recorded, timeout=30)
    times = [(r["occurred_at"], r["id"]) for r in records]
    assert times == sorted(times)
    by_type = {r["event_type"]: r for r in records}
    # The turn's record carries its message: the intermediate events are not recorded again.
    assert set(by_type) == {"turn.completed"}
    turn = by_type["turn.completed"]
    assert turn["pii_redacted"] is True
    assert turn["payload"]["user_text"].startswith("Hi, my name is <PERSON>. My card <CARD>")
    for placeholder in ("<EMAIL>", "<PHONE>", "<IBAN>", "<SSN>", "<IP>"):
        assert placeholder in turn["payload"]["user_text"]
    rows = await sql(
        stack,
        "SELECT payload::text AS p FROM audit.records WHERE session_id = $1",
        session.session_id,
    )
    stored = "\n".join(row["p"] for row in rows)
    assert [value for value in CHAT_PII.values() if value in stored] == []
    assert all(value in stored for value in CHAT_KEEP)


async def test_a_generated_corpus_is_redacted_in_rows_and_paged_by_ticket(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    tenant = f"corpus-{uuid.uuid4().hex[:8]}"
    samples = CorpusFactory(seed=23).samples(150) + list(EDGE_CASES)
    await publish(stack, *(agent_message(tenant, sample.text) for sample in samples))
    await wait_recorded(stack, tenant, len(samples))

    rows = await sql(
        stack,
        "SELECT payload->>'text' AS text, pii_redacted FROM audit.records WHERE tenant_id = $1",
        tenant,
    )
    stored = "\n".join(row["text"] for row in rows)
    assert leaks(stored, samples) == []
    assert [v for sample in samples for v in sample.keep if v not in stored] == []
    assert sum(row["pii_redacted"] for row in rows) == sum(
        bool(s.values(*DETECTED)) for s in samples
    )

    pages, cursor = [], None
    while True:
        params = {"limit": 50} | ({"cursor": cursor} if cursor else {})
        response = await http.get(
            "/v1/audit/tickets/T-1/records", params=params, headers=token(tenant)
        )
        assert response.status_code == 200
        pages.append(response.json()["records"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert [len(page) for page in pages] == [50, 50, 50, len(samples) - 150]
    texts = [record["payload"]["text"] for page in pages for record in page]
    assert sorted(texts) == sorted(row["text"] for row in rows)


async def test_a_services_logs_and_traces_carry_no_personal_data(stack: Stack) -> None:
    # A message the services cannot parse: its validation error quotes the input, and it is
    # logged (JSON, stdout) and recorded on the consumer's span.
    body = {
        "event_type": "turn.completed",
        "tenant_id": "demo",
        "text": "card 4111111111111111 and mail a.b@example.com",
    }
    log_path = stack.services["audit"].log_path
    before = len(log_path.read_text())
    async with await aio_pika.connect(stack.infra.rabbitmq_url) as connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("support.events")
        await exchange.publish(
            aio_pika.Message(json.dumps(body).encode(), message_id=uuid.uuid4().hex),
            routing_key="turn.completed",
        )

    def logged() -> list[dict[str, Any]]:
        lines = log_path.read_text()[before:].splitlines()
        return [
            json.loads(line)
            for line in lines
            if "ValidationError" in line and "mail <EMAIL>" in line
        ]

    ours = await wait_until(logged, timeout=30)
    assert ours[0]["level"] == "error"
    assert "TurnCompleted" in ours[0]["exception"]

    def traces() -> str:
        return "".join(path.read_text() for path in stack.log_dir.glob("traces-*.jsonl"))

    await wait_until(lambda: "mail <EMAIL>" in traces(), timeout=10)
    for value in ("4111111111111111", "a.b@example.com"):
        assert value not in log_path.read_text()
        assert value not in traces()


async def test_an_edited_row_is_reported_by_verify(stack: Stack, http: httpx.AsyncClient) -> None:
    tenant = f"tamper-{uuid.uuid4().hex[:8]}"
    await publish(stack, *(agent_message(tenant, f"reply {i}") for i in range(5)))
    await wait_recorded(stack, tenant, 5)
    intact = (await http.get("/v1/audit/verify", headers=token(tenant))).json()
    assert (intact["ok"], intact["checked"], intact["first_broken"]) == (True, 5, None)

    ids = [
        r["id"]
        for r in await sql(
            stack, "SELECT id FROM audit.records WHERE tenant_id = $1 ORDER BY id", tenant
        )
    ]
    stored = await sql(
        stack,
        "UPDATE audit.records SET payload = jsonb_set(payload::jsonb, '{text}', '\"edited\"')::json"
        " WHERE id = $1 RETURNING hash",
        ids[2],
    )
    broken = (await http.get("/v1/audit/verify", headers=token(tenant))).json()
    assert broken["ok"] is False
    link = broken["first_broken"]
    assert (link["problem"], link["record_id"], link["stored"]) == (
        "hash",
        ids[2],
        stored[0]["hash"],
    )
    assert link["expected"] != link["stored"]


async def test_time_range_queries_page_and_export_jsonl(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    tenant = f"range-{uuid.uuid4().hex[:8]}"
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    events = [
        agent_message(tenant, f"reply {i}", occurred_at=start + timedelta(minutes=i))
        for i in range(12)
    ]
    await publish(stack, *reversed(events))
    await wait_recorded(stack, tenant, 12)
    window = {
        "from": (start + timedelta(minutes=2)).isoformat(),
        "to": (start + timedelta(minutes=9)).isoformat(),
    }

    first = (
        await http.get("/v1/audit/records", params=window | {"limit": 4}, headers=token(tenant))
    ).json()
    second = (
        await http.get(
            "/v1/audit/records",
            params=window | {"limit": 4, "cursor": first["next_cursor"]},
            headers=token(tenant),
        )
    ).json()
    texts = [r["payload"]["text"] for r in first["records"] + second["records"]]
    assert texts == [f"reply {i}" for i in range(2, 9)]
    assert second["next_cursor"] is None

    async with http.stream("GET", "/v1/audit/export", headers=token(tenant)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) async for line in response.aiter_lines() if line]
    assert [line["payload"]["text"] for line in lines] == [f"reply {i}" for i in range(12)]
    assert {line["event_type"] for line in lines} == {"agent.message.sent"}


async def test_retention_deletes_old_records_and_the_chain_still_verifies(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    tenant = f"retention-{uuid.uuid4().hex[:8]}"
    old = utcnow() - timedelta(days=40)
    await publish(
        stack,
        *(
            agent_message(tenant, f"old {i}", occurred_at=old + timedelta(minutes=i))
            for i in range(3)
        ),
    )
    await wait_recorded(stack, tenant, 3)
    await publish(stack, *(agent_message(tenant, f"new {i}") for i in range(2)))
    await wait_recorded(stack, tenant, 5)

    keeper = stack.start("audit", AUDIT_RETENTION_DAYS="30", AUDIT_RETENTION_INTERVAL_SECONDS="0.5")
    try:
        await wait_ready(keeper.base_url, timeout=90)
        await wait_until(lambda: _pruned(stack, tenant, 3), timeout=30)
    finally:
        keeper.terminate()
    left = await sql(
        stack,
        "SELECT id, payload->>'text' AS text FROM audit.records WHERE tenant_id = $1 ORDER BY id",
        tenant,
    )
    assert [row["text"] for row in left] == ["new 0", "new 1"]
    verified = (await http.get("/v1/audit/verify", headers=token(tenant))).json()
    assert (verified["ok"], verified["checked"]) == (True, 2)
    assert verified["pruned_through_id"] < left[0]["id"]

    await sql(stack, "DELETE FROM audit.records WHERE id = $1", left[0]["id"])
    broken = (await http.get("/v1/audit/verify", headers=token(tenant))).json()
    assert broken["ok"] is False
    assert (broken["first_broken"]["problem"], broken["first_broken"]["record_id"]) == (
        "link",
        left[1]["id"],
    )


async def test_only_auditors_and_admins_of_the_tenant_read_the_trail(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    tenant, other = f"own-{uuid.uuid4().hex[:8]}", f"other-{uuid.uuid4().hex[:8]}"
    await publish(stack, agent_message(tenant, "mine", ticket="T-own"))
    await wait_recorded(stack, tenant, 1)
    record_id = (await sql(stack, "SELECT id FROM audit.records WHERE tenant_id = $1", tenant))[0][
        "id"
    ]

    mine = await http.get(f"/v1/audit/records/{record_id}", headers=token(tenant))
    assert mine.status_code == 200
    assert mine.json()["payload"]["text"] == "mine"
    admin = await http.get(f"/v1/audit/records/{record_id}", headers=token(tenant, "admin"))
    assert admin.status_code == 200
    assert (await http.get("/v1/audit/verify", headers={"X-API-Key": DEMO_KEY})).json()["ok"]

    for path in (
        f"/v1/audit/records/{record_id}",
        f"/v1/audit/sessions/s-{tenant}/records",
        "/v1/audit/tickets/T-own/records",
        "/v1/audit/records/999999999",
    ):
        response = await http.get(path, headers=token(other))
        assert response.status_code == 404, path
    foreign = await http.get("/v1/audit/records", headers=token(other))
    assert foreign.json()["records"] == []
    for role in ("agent", "customer"):
        refused = await http.get("/v1/audit/verify", headers=token(tenant, role))  # type: ignore[arg-type]
        assert refused.status_code == 403, role
    assert (await http.get("/v1/audit/export")).status_code == 401
