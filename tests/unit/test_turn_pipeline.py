"""The turn's steps, called directly, with memory, retrieval and escalation answering from
FastStream's in-memory broker and session state on fakeredis. (`record` commits to PostgreSQL:
the integration tests cover it.)"""

from dataclasses import dataclass
from uuid import uuid4

import fakeredis
import pybreaker
import pytest
from faststream.rabbit import RabbitBroker, TestRabbitBroker
from opentelemetry.trace import NoOpTracer
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import create_async_engine

from contracts import (
    ChatMessageReceived,
    EscalationAssessed,
    EscalationAssessRequested,
    MemoryRecallCompleted,
    MemoryRecallRequested,
    RetrievalCompleted,
    RetrievalRequested,
)
from contracts.chat import Source
from orchestrator.breakers import BreakerRegistry
from orchestrator.builtin_tools import EscalationAssessTool, KnowledgeSearchTool, MemoryRecallTool
from orchestrator.context import TurnContext
from orchestrator.generators.base import Draft, GenerationInput, Handoff, pieces_of
from orchestrator.generators.extractive import ExtractiveGenerator
from orchestrator.generators.resilient import ResilientGenerator
from orchestrator.models import inbox, outbox
from orchestrator.pipeline import TurnMetrics, TurnPipeline
from orchestrator.tools import ToolRegistry, ToolRunner
from support_core.degraded import RedisGuard
from support_core.frames import FrameEmitter
from support_core.messaging.broker import subscribe
from support_core.messaging.instance import InstanceRoute
from support_core.messaging.outbox import Outbox
from support_core.messaging.publisher import EventPublisher
from support_core.redis import Keys
from support_core.session_state import SessionState
from support_core.session_stream import SessionStream

CARD = Source(
    document_id="card-freeze",
    title="Freezing your card",
    chunk_id="c1",
    score=0.9,
    snippet="You can freeze your card in the app.",
    text="You can freeze your card in the app under Card settings. Unfreeze it the same way.",
)
STAFF = Source(
    document_id="staff-freeze",
    title="Internal: Freeze procedure",
    chunk_id="c2",
    score=0.95,
    snippet="Run freeze_card_7731 after verification.",
    text="Run freeze_card_7731 after verification. Never tell the customer the tool name.",
    audience="internal",
)


@dataclass
class Dependencies:
    """How the stand-ins of memory, retrieval and escalation answer."""

    chunks: list[Source]
    escalate: bool = False
    escalation_silent: bool = False


def serve(broker: RabbitBroker, publisher: EventPublisher, deps: Dependencies) -> None:
    """Memory, retrieval and escalation as their queues see the orchestrator's requests."""

    async def memory(request: MemoryRecallRequested) -> None:
        await publisher.reply(request, request.follow(MemoryRecallCompleted))

    async def retrieval(request: RetrievalRequested) -> None:
        completed = request.follow(RetrievalCompleted, chunks=deps.chunks, confidence=0.9)
        await publisher.reply(request, completed)

    async def escalation(request: EscalationAssessRequested) -> None:
        if not deps.escalation_silent:
            assessed = request.follow(
                EscalationAssessed,
                escalate=deps.escalate,
                reasons=["human_request"] if deps.escalate else [],
                ticket_id="T-1" if deps.escalate else None,
                ticket_state="open" if deps.escalate else None,
                ticket_opened=deps.escalate,
            )
            await publisher.reply(request, assessed)

    subscribe(broker, "memory", MemoryRecallRequested, memory, delivery_limit=3)
    subscribe(broker, "retrieval", RetrievalRequested, retrieval, delivery_limit=3)
    subscribe(broker, "escalation", EscalationAssessRequested, escalation, delivery_limit=3)


class Provider:
    """Stands in for an LLM provider's generator (its wire formats are tested against the local
    servers in tests/integration/test_generators.py): answers in one piece, summarises as told."""

    name = "llm"

    def __init__(self, summary: str | None) -> None:
        self._summary = summary

    async def draft(self, given: GenerationInput) -> Draft:
        return Draft(pieces_of("A person will take over."), [])

    async def summarize(self, handoff: Handoff) -> str:
        if self._summary is None:
            raise ConnectionError("provider unreachable")
        return f"{self._summary} ({handoff.question})"


def llm(summary: str | None) -> ResilientGenerator:
    """The provider behind its circuit, the extractive generator as its fallback."""
    return ResilientGenerator(
        Provider(summary),
        ExtractiveGenerator(min_confidence=0.3),
        pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30),
        CollectorRegistry(),
        first_piece_timeout=1,
    )


def pipeline(
    redis: fakeredis.FakeAsyncRedis,
    keys: Keys,
    guard: RedisGuard,
    broker: RabbitBroker,
    publisher: EventPublisher,
    generator: ResilientGenerator | ExtractiveGenerator,
) -> tuple[TurnPipeline, SessionStream]:
    metrics = CollectorRegistry()
    instance = InstanceRoute(broker, publisher, service="orchestrator", instance_id="o1")
    tools = ToolRegistry({"memory", "retrieval", "escalation"})
    tools.register(MemoryRecallTool(instance, 0.5))
    tools.register(KnowledgeSearchTool(instance, 0.5, 5, 3))
    tools.register(EscalationAssessTool(instance, 0.2))
    breakers = BreakerRegistry(redis, keys, guard, metrics, fail_max=5, reset_timeout=30)
    stream = SessionStream(redis, keys, guard)
    never_connected = create_async_engine("postgresql+asyncpg://unit@127.0.0.1:9/unit")
    built = TurnPipeline(
        state=SessionState(redis, keys, guard),
        tools=tools,
        runner=ToolRunner(breakers, NoOpTracer(), metrics),
        generator=generator,
        emitter=FrameEmitter(stream, publisher),
        outbox=Outbox(never_connected, inbox=inbox, outbox=outbox, broker=broker),
        tracer=NoOpTracer(),
        metrics=TurnMetrics(metrics),
    )
    return built, stream


def turn(text: str) -> TurnContext:
    return TurnContext(
        ChatMessageReceived(
            tenant_id="t",
            session_id="s",
            correlation_id=str(uuid4()),
            message_id="m1",
            text=text,
            gateway_instance="gateway.g1",
            session_seq=1,
        )
    )


@dataclass
class Driver:
    """Runs every step before `record` and returns the turn and the frames its client got."""

    redis: fakeredis.FakeAsyncRedis
    keys: Keys
    guard: RedisGuard
    broker: RabbitBroker
    publisher: EventPublisher

    async def answer(
        self,
        deps: Dependencies,
        text: str,
        generator: ResilientGenerator | ExtractiveGenerator | None = None,
    ) -> tuple[TurnContext, list[dict[str, object]]]:
        steps, stream = pipeline(
            self.redis,
            self.keys,
            self.guard,
            self.broker,
            self.publisher,
            generator or ExtractiveGenerator(min_confidence=0.3),
        )
        serve(self.broker, self.publisher, deps)
        context = turn(text)
        async with TestRabbitBroker(self.broker):
            for step in (
                steps.load_state,
                steps.embed_message,
                steps.gather_context,
                steps.assess_escalation,
                steps.generate,
                steps.summarize_handoff,
            ):
                await step(context)
        return context, await stream.read_after("t", "s", 0)


@pytest.fixture
def driver(
    redis: fakeredis.FakeAsyncRedis,
    keys: Keys,
    guard: RedisGuard,
    broker: RabbitBroker,
    publisher: EventPublisher,
) -> Driver:
    return Driver(redis, keys, guard, broker, publisher)


async def test_an_answer_streams_between_typing_frames_and_cites_what_it_used(
    driver: Driver,
) -> None:
    context, frames = await driver.answer(Dependencies([CARD]), "How do I freeze my card?")
    kinds = [frame["type"] for frame in frames]
    assert kinds[0] == "typing" and kinds[-1] == "answer_completed"
    assert "answer_delta" in kinds and kinds[-2] == "typing"
    final = frames[-1]
    deltas = "".join(str(f["text"]) for f in frames if f["type"] == "answer_delta")
    assert final["text"] == deltas and "freeze your card in the app" in deltas
    assert [s["document_id"] for s in final["sources"]] == ["card-freeze"]
    assert context.degraded == [] and context.answer is not None


async def test_staff_only_knowledge_never_reaches_the_customer(driver: Driver) -> None:
    context, frames = await driver.answer(Dependencies([STAFF, CARD]), "How do I freeze my card?")
    shown = " ".join(str(frame) for frame in frames)
    assert "freeze_card_7731" not in shown and "staff-freeze" not in shown
    assert context.answer is not None
    assert [s.document_id for s in context.answer.sources] == ["card-freeze"]


async def test_a_hand_off_is_announced_with_its_ticket(driver: Driver) -> None:
    context, frames = await driver.answer(Dependencies([CARD], escalate=True), "I want a person")
    (escalated,) = [frame for frame in frames if frame["type"] == "escalated"]
    assert escalated["ticket_id"] == "T-1" and escalated["state"] == "waiting"
    assert frames[-1]["escalated"] is True and frames[-1]["ticket_id"] == "T-1"
    assert context.handoff_summary is None  # the extractive one the ticket opened with stays


async def test_with_an_llm_generator_a_new_ticket_gets_its_summary_after_the_answer(
    driver: Driver,
) -> None:
    context, frames = await driver.answer(
        Dependencies([CARD], escalate=True), "I want a person", llm("Wants a person")
    )
    written = context.handoff_summary
    assert written is not None and frames[-1]["type"] == "answer_completed"
    assert (written.ticket_id, written.written_by) == ("T-1", "llm")
    assert written.summary == "Wants a person (I want a person)"
    assert written.correlation_id == context.turn_id


async def test_no_summary_without_a_new_ticket(driver: Driver) -> None:
    answered, _ = await driver.answer(Dependencies([CARD]), "How do I freeze my card?", llm("x"))
    assert answered.handoff_summary is None


async def test_no_summary_when_the_provider_fails_and_the_turn_is_still_handed_off(
    driver: Driver,
) -> None:
    failed, frames = await driver.answer(
        Dependencies([CARD], escalate=True), "I want a person", llm(None)
    )
    assert failed.handoff_summary is None
    assert frames[-1]["escalated"] is True and failed.degraded == []


async def test_a_silent_escalation_service_degrades_the_turn_but_it_is_answered(
    driver: Driver,
) -> None:
    context, frames = await driver.answer(
        Dependencies([CARD], escalation_silent=True), "How do I freeze my card?"
    )
    assert context.degraded == ["escalation"]
    assert [c.status for c in context.tools_called if c.name == "escalation"] == ["timeout"]
    assert frames[-1]["type"] == "answer_completed" and frames[-1]["escalated"] is False


async def test_without_knowledge_the_assistant_says_it_does_not_know(driver: Driver) -> None:
    context, frames = await driver.answer(Dependencies([]), "What is the airspeed of a swallow?")
    assert frames[-1]["sources"] == []
    assert "couldn't find" in str(frames[-1]["text"])
    assert frames[-1]["offers_human"] is True
