"""Escalation: each rule fires (and its control case does not), one ticket per session under
concurrent duplicates, lifecycle events downstream once each, and the gateway's ticket, token
and policy endpoints with their role and tenant checks."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aio_pika
import asyncpg
import pytest

from contracts import (
    Embedding,
    EscalationAssessed,
    EscalationAssessRequested,
    EscalationSummaryWritten,
    HistoryMessage,
    utcnow,
)
from contracts.escalation import GuidanceRef
from escalation.app import create_app as create_escalation
from escalation.settings import EscalationSettings
from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from support_core.runtime import ServiceRuntime
from support_core.settings import ServiceSettings
from support_embeddings import Embedder, EmbeddingSettings
from tests.support.client import create_session
from tests.support.escalations import call, tickets_of
from tests.support.infra import RunInfra, wait_until
from tests.support.servers import serve_app
from tests.support.tenants import role_token

pytestmark = pytest.mark.integration


@dataclass
class Downstream:
    """A ticketing system's view: every event on `support.escalations`, in arrival order."""

    channel: aio_pika.abc.AbstractChannel
    queue: aio_pika.abc.AbstractQueue
    database: str
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    markers: set[str] = field(default_factory=set)

    def of(self, ticket_id: str) -> list[str]:
        """Event types seen for one ticket."""
        return [kind for kind, body in self.events if body.get("ticket_id") == ticket_id]

    async def record(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        """Keep an event (or note that a marker came through)."""
        async with message.process():
            if message.routing_key == self.queue.name:
                self.markers.add(message.body.decode())
            else:
                self.events.append((message.routing_key or "", json.loads(message.body)))

    async def settled(self) -> None:
        """Everything the escalation service committed has arrived: its outbox is empty, and
        a marker queued behind the last relayed event has come out of the queue."""
        conn = await asyncpg.connect(self.database)
        try:

            async def outbox_empty() -> bool:
                return await conn.fetchval("SELECT count(*) FROM escalation.outbox") == 0

            await wait_until(outbox_empty, timeout=10)
        finally:
            await conn.close()
        marker = uuid.uuid4().hex
        await self.channel.default_exchange.publish(
            aio_pika.Message(marker.encode()), routing_key=self.queue.name
        )
        await wait_until(lambda: marker in self.markers, timeout=10)


@dataclass
class Stack:
    """Gateway and escalation in this process, a probe that asks for assessments, downstream."""

    gateway_url: str
    gateway_app: Any
    probe: ServiceRuntime
    downstream: Downstream

    async def tenant(self) -> tuple[str, str]:
        """A fresh tenant (so agents and tickets of other tests stay apart): id, admin key."""
        gateway = self.gateway_app.state.gateway
        tenant_id, keys = await gateway.tenants.create(f"esc {uuid.uuid4().hex[:8]}")
        return tenant_id, keys["admin"]

    async def assess(
        self,
        tenant_id: str,
        session_id: str,
        text: str,
        *,
        turn_index: int = 1,
        confidence: float | None = 0.9,
        customer_id: str | None = "cust-1",
        embedding: Embedding | None = None,
    ) -> EscalationAssessed:
        """Ask the escalation service about one turn, as the orchestrator does."""
        request = EscalationAssessRequested(
            tenant_id=tenant_id,
            session_id=session_id,
            correlation_id=str(uuid.uuid4()),
            customer_id=customer_id,
            text=text,
            turn_index=turn_index,
            retrieval_confidence=confidence,
            embedding=embedding,
        )
        return await self.probe.instance.request(request, EscalationAssessed, timeout=20)


@pytest.fixture(scope="module")
async def stack(module_infra: RunInfra) -> AsyncIterator[Stack]:
    connections: dict[str, Any] = module_infra.settings()
    probe = ServiceRuntime(
        ServiceSettings(service_name="escprobe", **connections), instance_route=True
    )
    gateway_app = create_gateway(GatewaySettings(**connections))
    async with serve_app(create_escalation(EscalationSettings(**connections))):
        async with serve_app(gateway_app) as gateway_url:
            await probe.start()
            connection = await aio_pika.connect_robust(module_infra.rabbitmq_url)
            channel = await connection.channel()
            exchange = await channel.get_exchange("support.escalations")
            queue = await channel.declare_queue(exclusive=True)
            await queue.bind(exchange, "escalation.#")
            downstream = Downstream(channel, queue, f"{module_infra.pg_base}/{module_infra.name}")
            await queue.consume(downstream.record)
            # Stands in for the audit service, which binds `#` on support.events: without a
            # queue there, lifecycle events are unroutable (publishing is mandatory).
            audit = await channel.declare_queue(exclusive=True)
            await audit.bind(await channel.get_exchange("support.events"), "escalation.#")
            try:
                yield Stack(gateway_url, gateway_app, probe, downstream)
            finally:
                await connection.close()
                await probe.stop()


ESCALATING = [
    ("human_request", "Can I please talk to a real person about this?"),
    ("human_request", "I'd like to speak with someone from your team."),
    ("legal_threat", "If this is not fixed I will contact my lawyer."),
    ("complaint", "I want to file a complaint about how this was handled."),
]
ANSWERED_WITH_A_SIGNAL = [
    ("negative_sentiment", "This is awful, useless, terrible service and I hate it!"),
    ("fraud", "There are fraudulent charges on my account."),
    ("lost_or_stolen_card", "My card was stolen, I need a replacement."),
    ("lost_or_stolen_card", "I lost my card on the train yesterday."),
]
CONTROLS = [
    "How do I activate my new debit card?",
    "What is the annual fee of the Gold card?",
    "No need to transfer me to a human, just tell me the opening hours.",
    "Thanks, that was helpful!",
    "It's a bit annoying that the app logs me out, how do I stay signed in?",
    "This isn't a fraud situation, the merchant just sent the wrong item.",
]


@pytest.mark.parametrize(("reason", "text"), ESCALATING)
async def test_each_rule_fires_with_its_reason_code(stack: Stack, reason: str, text: str) -> None:
    tenant_id, _ = await stack.tenant()
    assessed = await stack.assess(tenant_id, str(uuid.uuid4()), text)
    assert assessed.escalate
    assert reason in assessed.reasons
    assert assessed.ticket_id and assessed.ticket_state == "open"
    assert assessed.customer_message


@pytest.mark.parametrize(("signal", "text"), ANSWERED_WITH_A_SIGNAL)
async def test_a_sensitive_topic_or_one_frustrated_message_is_answered_not_handed_off(
    stack: Stack, signal: str, text: str
) -> None:
    tenant_id, _ = await stack.tenant()
    assessed = await stack.assess(tenant_id, str(uuid.uuid4()), text)
    assert not assessed.escalate and assessed.ticket_id is None
    assert signal in assessed.signals


async def test_frustration_hands_off_on_the_second_frustrated_message_in_a_row(
    stack: Stack,
) -> None:
    tenant_id, session = (await stack.tenant())[0], str(uuid.uuid4())
    angry = "This is awful, useless, terrible service and I hate it!"
    first = await stack.assess(tenant_id, session, angry)
    calm = await stack.assess(tenant_id, session, "Fine. How do I reset my PIN?")
    again = await stack.assess(tenant_id, session, angry)
    assert not first.escalate and not calm.escalate and not again.escalate
    fired = await stack.assess(tenant_id, session, "Horrible, pathetic, I hate this useless bank!")
    assert fired.escalate and fired.reasons == ["negative_sentiment"]


async def test_signals_raise_the_priority_and_tickets_keep_the_staff_guidance(
    stack: Stack,
) -> None:
    tenant_id, admin_key = await stack.tenant()
    guidance = [GuidanceRef(document_id="int-fraud", title="Internal: Fraud desk", score=0.8)]
    request = EscalationAssessRequested(
        tenant_id=tenant_id,
        session_id=str(uuid.uuid4()),
        correlation_id=str(uuid.uuid4()),
        text="There are fraudulent charges on my card, let me talk to a real person.",
        guidance=guidance,
    )
    assessed = await stack.probe.instance.request(request, EscalationAssessed, timeout=20)
    assert assessed.reasons == ["human_request"] and "fraud" in assessed.signals
    token = await role_token(stack.gateway_url, admin_key, "admin", "ops")
    ticket = await call(stack.gateway_url, "GET", f"/v1/escalations/{assessed.ticket_id}", token)
    assert ticket.json()["priority"] == "urgent"
    assert ticket.json()["guidance"] == [ref.model_dump() for ref in guidance]


async def test_a_new_ticket_summarises_the_ask_the_facts_the_last_answer_and_why(
    stack: Stack,
) -> None:
    tenant_id, admin_key = await stack.tenant()
    earlier = utcnow() - timedelta(minutes=2)
    request = EscalationAssessRequested(
        tenant_id=tenant_id,
        session_id=str(uuid.uuid4()),
        correlation_id=str(uuid.uuid4()),
        text="That did not help. My parcel for order 55123 never came, I want a person.",
        facts=["Order number 55123", "Mentioned product: Gold Card"],
        history=[
            HistoryMessage(role="customer", text="Where is my parcel?", at=earlier),
            HistoryMessage(
                role="assistant",
                text="Parcels arrive within five working days. You can track yours in the app.",
                at=earlier,
            ),
        ],
    )
    assessed = await stack.probe.instance.request(request, EscalationAssessed, timeout=20)
    token = await role_token(stack.gateway_url, admin_key, "agent", "ada")
    ticket = await call(stack.gateway_url, "GET", f"/v1/escalations/{assessed.ticket_id}", token)
    assert ticket.json()["summary"].splitlines() == [
        "Asked: That did not help. My parcel for order 55123 never came, I want a person.",
        "Known: Order number 55123; Mentioned product: Gold Card",
        "Assistant said: Parcels arrive within five working days. You can track yours in the app.",
        "Why: the customer asked for a person",
    ]


async def test_the_llm_summary_replaces_the_extractive_one_once_and_goes_downstream(
    stack: Stack,
) -> None:
    tenant_id, admin_key = await stack.tenant()
    session_id = str(uuid.uuid4())
    opened = await stack.assess(tenant_id, session_id, "Please get me a human.")
    again = await stack.assess(tenant_id, session_id, "Please get me a human.", turn_index=2)
    assert opened.ticket_opened and opened.ticket_id
    assert again.ticket_id == opened.ticket_id and not again.ticket_opened
    written = EscalationSummaryWritten(
        tenant_id=tenant_id,
        session_id=session_id,
        correlation_id=opened.correlation_id,
        ticket_id=opened.ticket_id,
        summary="Wants a person about a card; nothing else known yet.",
        written_by="openai",
    )
    for _ in range(2):  # a duplicate delivery changes nothing
        await stack.probe.publisher.publish(written)
    token = await role_token(stack.gateway_url, admin_key, "agent", "ada")

    async def rewritten() -> bool:
        ticket = await call(stack.gateway_url, "GET", f"/v1/escalations/{opened.ticket_id}", token)
        return bool(ticket.json()["summary"] == written.summary)

    await wait_until(rewritten, timeout=10)
    await stack.downstream.settled()
    assert stack.downstream.of(opened.ticket_id).count("escalation.updated") == 1
    body = next(b for k, b in stack.downstream.events if k == "escalation.updated")
    assert body["summary"] == written.summary and body["customer_id"] == "cust-1"


@pytest.mark.parametrize("text", CONTROLS)
async def test_control_messages_do_not_escalate(stack: Stack, text: str) -> None:
    tenant_id, _ = await stack.tenant()
    assessed = await stack.assess(tenant_id, str(uuid.uuid4()), text)
    assert not assessed.escalate, assessed.reasons
    assert assessed.ticket_id is None


async def test_the_classifier_reads_the_embedding_sent_along_with_the_text(stack: Stack) -> None:
    """The orchestrator's vector of the message stands for its text (so the text is not embedded
    again here); a vector of another model is ignored."""
    tenant_id, _ = await stack.tenant()
    asking = await Embedder(EmbeddingSettings()).describe("let me speak to a real person")
    text = "What are the opening hours of the Leith branch?"
    foreign = asking.model_copy(update={"model": "another/model"})
    assert not (await stack.assess(tenant_id, str(uuid.uuid4()), text, embedding=foreign)).escalate
    borrowed = await stack.assess(tenant_id, str(uuid.uuid4()), text, embedding=asking)
    assert borrowed.reasons == ["human_request"]


async def test_low_confidence_fires_on_the_second_unsupported_answer_in_a_row(
    stack: Stack,
) -> None:
    tenant_id, session = (await stack.tenant())[0], str(uuid.uuid4())
    question = "What is the exchange rate markup on crypto withdrawals?"
    first = await stack.assess(tenant_id, session, question, confidence=0.1)
    supported = await stack.assess(tenant_id, session, "And the fee?", confidence=0.8)
    again = await stack.assess(tenant_id, session, question, confidence=0.1)
    assert not first.escalate and not supported.escalate and not again.escalate
    fired = await stack.assess(tenant_id, session, "What about staking?", confidence=0.2)
    assert fired.escalate and fired.reasons == ["low_confidence"]


async def test_turn_limit_fires_after_the_configured_number_of_turns(stack: Stack) -> None:
    tenant_id = (await stack.tenant())[0]
    at_limit = await stack.assess(tenant_id, str(uuid.uuid4()), "one more thing", turn_index=20)
    beyond = await stack.assess(tenant_id, str(uuid.uuid4()), "one more thing", turn_index=21)
    assert not at_limit.escalate
    assert beyond.escalate and beyond.reasons == ["turn_limit"]


async def test_50_concurrent_duplicate_assessments_open_one_ticket(stack: Stack) -> None:
    tenant_id, admin_key = await stack.tenant()
    session = str(uuid.uuid4())
    replies = await asyncio.gather(
        *(stack.assess(tenant_id, session, "Get me a human agent now.") for _ in range(50))
    )
    assert {reply.ticket_id for reply in replies} != {None}
    assert len({reply.ticket_id for reply in replies}) == 1
    token = await role_token(stack.gateway_url, admin_key, "admin", "ops")
    assert len(await tickets_of(stack.gateway_url, token, session)) == 1
    ticket_id = replies[0].ticket_id
    await stack.downstream.settled()
    assert stack.downstream.of(str(ticket_id)) == ["escalation.created"]


async def test_downstream_sees_created_assigned_resolved_once_each(stack: Stack) -> None:
    tenant_id, admin_key = await stack.tenant()
    agent = await role_token(
        stack.gateway_url, admin_key, "agent", "ada", display_name="Ada Lovelace"
    )
    assessed = await stack.assess(tenant_id, str(uuid.uuid4()), "Transfer me to an agent.")
    assert assessed.ticket_state == "assigned" and assessed.agent_id == "ada"
    assert "Ada Lovelace" in str(assessed.customer_message)
    resolved = await call(
        stack.gateway_url,
        "POST",
        f"/v1/escalations/{assessed.ticket_id}/resolve",
        agent,
        json={"note": "refund issued"},
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    expected = ["escalation.created", "escalation.assigned", "escalation.resolved"]
    await wait_until(lambda: stack.downstream.of(str(assessed.ticket_id)) == expected, timeout=10)
    await stack.downstream.settled()
    assert stack.downstream.of(str(assessed.ticket_id)) == expected
    body = next(b for k, b in stack.downstream.events if k == "escalation.resolved")
    assert body["tenant_id"] == tenant_id and "event_id" in body


async def test_outside_business_hours_tickets_wait_until_an_agent_claims_them(
    stack: Stack,
) -> None:
    tenant_id, admin_key = await stack.tenant()
    admin = await role_token(stack.gateway_url, admin_key, "admin", "ops")
    policy = (await call(stack.gateway_url, "GET", "/v1/admin/escalation-policy", admin)).json()
    policy["business_hours"] |= {"days": [], "timezone": "Europe/Paris"}
    saved = await call(stack.gateway_url, "PUT", "/v1/admin/escalation-policy", admin, json=policy)
    assert saved.status_code == 200, saved.text
    agent = await role_token(stack.gateway_url, admin_key, "agent", "bo")
    assessed = await stack.assess(tenant_id, str(uuid.uuid4()), "I want to speak to a manager.")
    assert assessed.ticket_state == "open"
    assert "No one is on duty right now" in str(assessed.customer_message)
    listed = await call(stack.gateway_url, "GET", "/v1/escalations?status=open", agent)
    assert [t["ticket_id"] for t in listed.json()["tickets"]] == [assessed.ticket_id]
    claimed = await call(
        stack.gateway_url, "POST", f"/v1/escalations/{assessed.ticket_id}/claim", agent
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "assigned" and claimed.json()["agent_id"] == "bo"


async def test_policy_edits_change_the_rules_and_bad_policies_are_refused(stack: Stack) -> None:
    tenant_id, admin_key = await stack.tenant()
    admin = await role_token(stack.gateway_url, admin_key, "admin", "ops")
    policy = (await call(stack.gateway_url, "GET", "/v1/admin/escalation-policy", admin)).json()
    policy["sensitive_topics"]["topics"]["mortgage_arrears"] = ["behind on my mortgage"]
    policy["sensitive_topics"]["hand_off"].append("mortgage_arrears")
    policy["human_request"]["enabled"] = False
    saved = await call(stack.gateway_url, "PUT", "/v1/admin/escalation-policy", admin, json=policy)
    assert saved.status_code == 200, saved.text
    topic = await stack.assess(tenant_id, str(uuid.uuid4()), "I'm behind on my mortgage.")
    assert topic.reasons == ["mortgage_arrears"]
    human = await stack.assess(tenant_id, str(uuid.uuid4()), "Let me talk to a human.")
    assert not human.escalate
    for bad in (
        {"sentiment": {"threshold": -3}},
        {"business_hours": {"timezone": "Mars/Olympus"}},
        {"turn_limt": {"max_turns": 3}},
    ):
        refused = await call(
            stack.gateway_url, "PUT", "/v1/admin/escalation-policy", admin, json=bad
        )
        assert refused.status_code == 422, bad


async def test_roles_and_tenants_are_checked_on_every_escalation_endpoint(stack: Stack) -> None:
    url = stack.gateway_url
    tenant_id, admin_key = await stack.tenant()
    _, other_admin_key = await stack.tenant()
    holder = await role_token(url, admin_key, "agent", "holder")
    colleague = await role_token(url, admin_key, "agent", "colleague")
    stranger = await role_token(url, other_admin_key, "agent", "holder")
    auditor = await role_token(url, admin_key, "auditor", "audrey")
    customer = await create_session(url, api_key=admin_key)
    assessed = await stack.assess(tenant_id, str(uuid.uuid4()), "Put me through to a person.")
    ticket = f"/v1/escalations/{assessed.ticket_id}"
    assert assessed.agent_id in {"holder", "colleague"}
    if assessed.agent_id == "colleague":
        holder, colleague = colleague, holder

    for token in (customer.token, auditor):
        assert (await call(url, "GET", "/v1/escalations", token)).status_code == 403
        assert (await call(url, "GET", ticket, token)).status_code == 403
    assert (await call(url, "GET", "/v1/escalations", "not-a-token")).status_code == 401
    assert (await call(url, "GET", "/v1/admin/escalation-policy", holder)).status_code == 403
    assert (
        await call(url, "PUT", "/v1/admin/escalation-policy", holder, json={})
    ).status_code == 403
    for method, path, body in (
        ("GET", ticket, None),
        ("POST", f"{ticket}/claim", None),
        ("POST", f"{ticket}/messages", {"text": "hi"}),
        ("POST", f"{ticket}/resolve", {}),
    ):
        response = await call(url, method, path, stranger, json=body)
        assert response.status_code == 404, (path, response.text)
    listed = await call(url, "GET", "/v1/escalations", stranger)
    assert listed.json()["tickets"] == []
    assert (await call(url, "GET", "/v1/escalations/T-NOSUCH", holder)).status_code == 404
    assert (await call(url, "POST", f"{ticket}/claim", colleague)).status_code == 409
    sent = await call(url, "POST", f"{ticket}/messages", colleague, json={"text": "hi"})
    assert sent.status_code == 403
    assert (await call(url, "POST", f"{ticket}/resolve", colleague, json={})).status_code == 403
    resolved = await call(url, "POST", f"{ticket}/resolve", holder, json={})
    assert resolved.status_code == 200
    late = await call(url, "POST", f"{ticket}/messages", holder, json={"text": "still there?"})
    assert late.status_code == 409


async def test_only_admins_issue_tokens_and_tokens_expire(stack: Stack) -> None:
    url = stack.gateway_url
    _, admin_key = await stack.tenant()
    agent = await role_token(url, admin_key, "agent", "eve")
    admin = await role_token(url, admin_key, "admin", "root")
    request = {"role": "agent", "subject": "mallory"}
    assert (await call(url, "POST", "/v1/tokens", agent, json=request)).status_code == 403
    assert (await call(url, "POST", "/v1/tokens", admin, json=request)).status_code == 201
    customer = await create_session(url, api_key=admin_key)
    assert (await call(url, "POST", "/v1/tokens", customer.token, json=request)).status_code == 403
    invalid = await call(
        url, "POST", "/v1/tokens", admin, json={"role": "customer", "subject": "x"}
    )
    assert invalid.status_code == 422

    short = await role_token(url, admin_key, "agent", "flash", ttl_seconds=2)
    assert (await call(url, "GET", "/v1/escalations", short)).status_code == 200
    await asyncio.sleep(3.2)
    expired = await call(url, "GET", "/v1/escalations", short)
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
