"""Every consumer of memory, retrieval, escalation and audit, registered as the services register
them and driven through FastStream's in-memory broker: an event reaches the service's facade,
and a request's answer reaches the instance that asked. Retrieval's facade is the real one
(search in memory, its cache on fakeredis); the others keep their work in PostgreSQL, which has
no in-memory equivalent, so a recording stand-in takes their place here (the integration tests
cover them)."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import fakeredis
import pytest
from faststream.rabbit import TestRabbitBroker
from pydantic_settings import BaseSettings
from sqlalchemy.ext.asyncio import create_async_engine

from audit import handlers as audit_handlers
from audit.analytics import figures
from audit.settings import AuditSettings
from contracts import (
    AgentMessageSent,
    AnalyticsSummary,
    AuditGapsCompleted,
    AuditGapsRequested,
    AuditQueryCompleted,
    AuditQueryRequested,
    AuditSummaryCompleted,
    AuditSummaryRequested,
    AuditVerifyCompleted,
    AuditVerifyRequested,
    CustomerErasureRequested,
    CustomerExportCompleted,
    CustomerExportRequested,
    EscalationAssessed,
    EscalationAssessRequested,
    EscalationCommandCompleted,
    EscalationCommandRequested,
    Event,
    HistoryCompleted,
    HistoryRequested,
    MemoryRecallCompleted,
    MemoryRecallRequested,
    RetrievalCompleted,
    RetrievalRequested,
    TurnCompleted,
)
from escalation import handlers as escalation_handlers
from escalation.handlers import Escalation
from escalation.settings import EscalationSettings
from memory import handlers as memory_handlers
from memory.settings import MemorySettings
from retrieval import handlers as retrieval_handlers
from retrieval.cache import ResultCache
from retrieval.index import KnowledgeIndex
from retrieval.ingest import PointBuilder, SourceDocument
from retrieval.lexical import LexicalEncoder
from retrieval.models import inbox, outbox
from retrieval.ranking import MemoryRanker
from retrieval.search import Searcher
from retrieval.service import KnowledgeBase
from retrieval.settings import RetrievalSettings
from support_core.degraded import RedisGuard
from support_core.messaging.instance import InstanceRoute
from support_core.messaging.outbox import Outbox
from support_core.redis import Keys
from support_core.runtime import ServiceRuntime
from support_core.started import Started
from support_embeddings import Embedder, EmbeddingSettings

NOW = datetime(2026, 12, 1, tzinfo=UTC)
Reply = Callable[[Any], Event]


class Recording:
    """Stands in for a facade backed by PostgreSQL: records each call, answers with `replies`."""

    def __init__(self, replies: dict[str, Reply]) -> None:
        self.calls: list[tuple[str, Any]] = []
        self._replies = replies

    def __getattr__(self, name: str) -> Callable[[Any], Awaitable[Event | None]]:
        async def method(argument: Any) -> Event | None:
            self.calls.append((name, argument))
            reply = self._replies.get(name)
            return reply(argument) if reply else None

        return method


def turn() -> TurnCompleted:
    return TurnCompleted(
        tenant_id="t",
        session_id="s",
        message_id="m1",
        user_text="Where is my card?",
        answer_text="On its way.",
        generator="extractive",
        started_at=NOW,
        completed_at=NOW,
    )


def stand_ins() -> dict[str, Recording]:
    """A fresh stand-in for each PostgreSQL-backed facade."""
    return {
        "memory": Recording(
            {
                "recall": lambda r: r.follow(MemoryRecallCompleted),
                "history": lambda r: r.follow(HistoryCompleted),
                "export": lambda r: r.follow(CustomerExportCompleted, customer_id=r.customer_id),
            }
        ),
        "assess": Recording({"assess": lambda r: r.follow(EscalationAssessed, escalate=True)}),
        "commands": Recording({"run": lambda r: r.follow(EscalationCommandCompleted)}),
        "audit": Recording(
            {
                "query": lambda r: r.follow(AuditQueryCompleted),
                "verify": lambda r: r.follow(AuditVerifyCompleted, ok=True),
                "summary": lambda r: r.follow(
                    AuditSummaryCompleted,
                    summary=AnalyticsSummary(
                        since=r.since,
                        until=r.until,
                        idle_minutes=r.idle_minutes,
                        **figures([], NOW, timedelta(minutes=30)),
                    ),
                ),
                "gaps": lambda r: r.follow(AuditGapsCompleted),
            }
        ),
    }


REGISTER: dict[str, tuple[Callable[[], BaseSettings], Callable[..., None]]] = {
    "memory": (MemorySettings, memory_handlers.register),
    "escalation": (EscalationSettings, escalation_handlers.register),
    "audit": (AuditSettings, audit_handlers.register),
}
REQUESTS = [
    ("memory", "memory", "recall", MemoryRecallRequested(tenant_id="t", query="card")),
    ("memory", "memory", "history", HistoryRequested(tenant_id="t", session_id="s")),
    ("memory", "memory", "export", CustomerExportRequested(tenant_id="t", customer_id="c1")),
    ("escalation", "assess", "assess", EscalationAssessRequested(tenant_id="t", text="a human")),
    (
        "escalation",
        "commands",
        "run",
        EscalationCommandRequested(tenant_id="t", action="list_tickets"),
    ),
    ("audit", "audit", "query", AuditQueryRequested(tenant_id="t")),
    ("audit", "audit", "verify", AuditVerifyRequested(tenant_id="t")),
    ("audit", "audit", "summary", AuditSummaryRequested(tenant_id="t", since=NOW, until=NOW)),
    ("audit", "audit", "gaps", AuditGapsRequested(tenant_id="t", since=NOW, until=NOW)),
]
EVENTS = [
    ("memory", "memory", "record_turn", turn()),
    (
        "memory",
        "memory",
        "record_agent_message",
        AgentMessageSent(tenant_id="t", session_id="s", ticket_id="k", agent_id="a", text="Hi"),
    ),
    ("memory", "memory", "erase", CustomerErasureRequested(tenant_id="t", customer_id="c1")),
    ("audit", "audit", "record", turn()),
]


async def registered(service: str, facades: dict[str, Recording]) -> ServiceRuntime:
    """The service's consumers on a runtime that is never connected, its facade built."""
    settings, register = REGISTER[service]
    runtime = ServiceRuntime(settings())  # type: ignore[arg-type]
    facade = (
        Escalation(facades["assess"], facades["commands"])  # type: ignore[arg-type]
        if service == "escalation"
        else facades[service]
    )

    async def build(_: object) -> object:
        return facade

    started = Started(runtime, build)
    register(runtime, started)
    await started.start()
    return runtime


@pytest.mark.parametrize(
    ("service", "facade", "method", "request_"),
    REQUESTS,
    ids=[f"{s}-{r.event_type}" for s, _, _, r in REQUESTS],
)
async def test_a_request_is_answered_by_the_facade_on_the_askers_route(
    service: str, facade: str, method: str, request_: Event
) -> None:
    facades = stand_ins()
    runtime = await registered(service, facades)
    asker = InstanceRoute(runtime.broker, runtime.publisher, service="gateway", instance_id="g1")
    async with TestRabbitBroker(runtime.broker):
        reply = await asker.request(request_, Event, timeout=2)
    assert reply.correlation_id == request_.correlation_id
    assert [(method, request_.event_id)] == [
        (m, a.event_id) for m, a in facades[facade].calls if m == method
    ]


@pytest.mark.parametrize(
    ("service", "facade", "method", "event"),
    EVENTS,
    ids=[f"{s}-{e.event_type}" for s, _, _, e in EVENTS],
)
async def test_an_event_reaches_the_facade(
    service: str, facade: str, method: str, event: Event
) -> None:
    facades = stand_ins()
    calls = facades[facade].calls
    runtime = await registered(service, facades)
    async with TestRabbitBroker(runtime.broker):
        await runtime.publisher.publish(event)
        for _ in range(100):
            if calls:
                break
            await asyncio.sleep(0.01)
    ((called, argument),) = calls
    # Audit records the raw body, to keep fields its contracts version does not know.
    received = Event.model_validate_json(argument) if method == "record" else argument
    assert (called, received.event_id) == (method, event.event_id)


@pytest.fixture
def embedder() -> Embedder:
    return Embedder(EmbeddingSettings())


async def test_retrieval_answers_a_search_from_its_index_then_from_its_cache(
    embedder: Embedder, redis: fakeredis.FakeAsyncRedis, keys: Keys, guard: RedisGuard
) -> None:
    settings = RetrievalSettings()
    runtime = ServiceRuntime(settings)
    lexical = LexicalEncoder()
    searcher = Searcher(MemoryRanker(embedder.info.dimension), embedder, lexical)
    builder = PointBuilder(embedder, lexical, budget=128, overlap=24)
    searcher.load([])  # an empty index opened, then two documents ingested
    for document_id, title, text, audience in [
        ("freeze", "Freezing your card", "Freeze your card in the app under Cards.", "customer"),
        ("desk", "Internal: Freeze desk", "Staff run freeze_card_7731 first.", "internal"),
    ]:
        document = SourceDocument("t", document_id, title, text, audience=audience)
        searcher.apply("t", builder.build(document), [])
    never_connected = create_async_engine("postgresql+asyncpg://unit@127.0.0.1:9/unit")
    knowledge_base = KnowledgeBase(
        index=KnowledgeIndex(settings.qdrant, collection="unit", model=embedder.info),
        builder=builder,
        searcher=searcher,
        cache=ResultCache(redis, keys, guard, ttl_seconds=60),
        outbox=Outbox(never_connected, inbox=inbox, outbox=outbox, broker=runtime.broker),
        max_document_bytes=1000,
        metrics=runtime.metrics,
    )

    async def build(_: object) -> KnowledgeBase:
        return knowledge_base

    started = Started(runtime, build)
    retrieval_handlers.register(runtime, started, ingest_prefetch=1)
    await started.start()
    asker = InstanceRoute(
        runtime.broker, runtime.publisher, service="orchestrator", instance_id="o"
    )

    def ask() -> RetrievalRequested:
        return RetrievalRequested(tenant_id="t", query="How do I freeze my card?", guidance_top_k=1)

    async with TestRabbitBroker(runtime.broker):
        first = await asker.request(ask(), RetrievalCompleted, timeout=5)
        again = await asker.request(ask(), RetrievalCompleted, timeout=5)
    assert [c.document_id for c in first.chunks] == ["freeze"]
    assert [g.document_id for g in first.guidance] == ["desk"]
    assert not first.cached and again.cached
    assert again.chunks == first.chunks
