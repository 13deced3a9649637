"""The turn as an explicit sequence of steps, each timed and traced:

    load_state → embed_message → gather_context → assess_escalation → generate
    → summarize_handoff → record

A turn that opened a ticket, with an LLM generator configured, has it write the agent's summary
after the customer has the answer (`escalation.summary.written`, emitted with the turn); the
ticket opened with the escalation service's extractive one, which stays if the LLM fails.

While a human agent holds the session (its ticket is assigned) the turn is only
`load_state → forward_to_agent`: no answer is generated; the message is recorded (history,
audit) for the agent, who replies with `agent.message.sent`.

A dependency that fails or is slow degrades the turn instead of failing it: no memory means an
answer without it; no knowledge base means "I can't look that up right now" and an offer of a
human; no escalation service means no hand-off check. `turn.completed` lists what degraded.

The customer's message is embedded once, here, and the vector travels in the requests to
memory, retrieval and escalation, which would otherwise each embed it again.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from opentelemetry.trace import Tracer
from prometheus_client import CollectorRegistry, Counter, Histogram

from contracts import (
    EscalationAssessed,
    EscalationSummaryWritten,
    FramesAppended,
    TurnCompleted,
    utcnow,
)
from contracts.frames import AnswerCompletedFrame, AnswerDeltaFrame, Delivered, Escalated, Typing
from orchestrator.client_messages import ClientMessages
from orchestrator.context import (
    Answer,
    TurnContext,
    customer_facing,
    distinct_documents,
    requests_of,
    staff_only,
)
from orchestrator.generators.base import GenerationInput, Handoff
from orchestrator.generators.disclosure import DisclosureGuard
from orchestrator.generators.extractive import ExtractiveGenerator
from orchestrator.generators.resilient import ResilientGenerator
from orchestrator.models import turns
from orchestrator.tools import ToolRegistry, ToolRunner
from support_core.frames import FrameEmitter, ThrottledFrames
from support_core.messaging.outbox import Outbox
from support_core.observability.tracing import current_trace_id
from support_core.session_state import SessionState
from support_embeddings import Embedder

CONSUMER = "orchestrator.turns"
Step = Callable[[TurnContext], Awaitable[None]]
HANDED_OFF = "agent"
WAITING_STATES = {"open": "waiting", "assigned": "assigned"}
log = logging.getLogger(__name__)


class TurnMetrics:
    """Turn outcomes, latency and degradation."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.turns = Counter("support_turns", "Turns by outcome", ["outcome"], registry=registry)
        self.seconds = Histogram(
            "support_turn_seconds",
            "Turn duration from message to recorded answer",
            registry=registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.degraded = Counter(
            "support_turn_degraded",
            "Turns that went on without a dependency",
            ["dependency"],
            registry=registry,
        )
        self.withheld = Counter(
            "support_answer_sentences_withheld",
            "Answer sentences kept from the customer because they quoted staff-only text",
            registry=registry,
        )
        for outcome in ("ok", "degraded"):
            self.turns.labels(outcome=outcome)


class TurnPipeline:
    """Runs the steps of one turn."""

    def __init__(
        self,
        *,
        state: SessionState,
        tools: ToolRegistry,
        runner: ToolRunner,
        generator: ResilientGenerator | ExtractiveGenerator,
        emitter: FrameEmitter,
        outbox: Outbox,
        tracer: Tracer,
        metrics: TurnMetrics,
        embedder: Embedder | None = None,
        summary_timeout: float = 10.0,
    ) -> None:
        self._state = state
        self._tools = tools
        self._runner = runner
        self._generator = generator
        self._summary_timeout = summary_timeout
        self._emitter = emitter
        self._outbox = outbox
        self._tracer = tracer
        self._metrics = metrics
        self._embedder = embedder

    async def run(self, context: TurnContext) -> None:
        """Go through every step; failures of dependencies degrade, they do not stop the turn."""
        started = time.perf_counter()
        await self._step(context, self.load_state)
        if context.state.with_agent:
            steps: tuple[Step, ...] = (self.forward_to_agent,)
        else:
            steps = (
                self.embed_message,
                self.gather_context,
                self.assess_escalation,
                self.generate,
                self.summarize_handoff,
                self.record,
            )
        for step in steps:
            await self._step(context, step)
        self._metrics.seconds.observe(time.perf_counter() - started)
        self._metrics.turns.labels(outcome="degraded" if context.degraded else "ok").inc()
        for dependency in context.degraded:
            self._metrics.degraded.labels(dependency=dependency).inc()

    async def _step(self, context: TurnContext, step: Step) -> None:
        name = step.__name__
        context.step = name
        step_started = time.perf_counter()
        with self._tracer.start_as_current_span(
            f"turn {name}",
            attributes={"turn.id": context.turn_id, "session.id": context.session_id},
        ):
            await step(context)
        context.timings_ms[name] = round((time.perf_counter() - step_started) * 1000, 2)

    async def load_state(self, context: TurnContext) -> None:
        """Count the message and read the session's shared state."""
        message = context.message
        context.state = await self._state.count_message(message.tenant_id, context.session_id)
        context.turn_index = context.state.message_count

    async def embed_message(self, context: TurnContext) -> None:
        """The message's embedding for every tool (without it, each embeds the text itself)."""
        if self._embedder is None:
            return
        try:
            context.embedding = await self._embedder.describe(context.message.text)
        except Exception:
            log.warning("message not embedded; each tool embeds it", exc_info=True)

    async def gather_context(self, context: TurnContext) -> None:
        """Memory, knowledge base (and the CRM, if enabled) at the same time."""
        context.memory, context.retrieval, context.customer_record = await self._call_all(
            context, ("memory", "retrieval", "crm")
        )

    async def _call_all(self, context: TurnContext, names: tuple[str, ...]) -> list[Any]:
        async def one(name: str) -> Any:
            tool = self._tools.get(name)
            if tool is None:
                return None
            result = await self._runner.call(tool, context)
            if not result.success:
                context.degrade(name)
            return result.data

        return list(await asyncio.gather(*(one(name) for name in names)))

    async def assess_escalation(self, context: TurnContext) -> None:
        """Should a human take over?"""
        tool = self._tools.get("escalation")
        if tool is None:
            return
        result = await self._runner.call(tool, context)
        if result.success and isinstance(result.data, EscalationAssessed):
            context.assessment = result.data
        else:
            context.degrade("escalation")

    async def generate(self, context: TurnContext) -> None:
        """Stream the answer between typing frames."""
        message = context.message
        frames = ThrottledFrames(
            self._emitter,
            message.tenant_id,
            context.session_id,
            fallback_route=message.gateway_instance,
        )

        def appended(seq: int) -> FramesAppended:
            return message.follow(FramesAppended, seq=seq)

        await frames.send(Typing(turn_id=context.turn_id, state="on"), appended)
        assessment = context.assessment
        escalated = bool(assessment and assessment.escalate)
        retrieval = context.retrieval
        given = GenerationInput(
            question=message.text,
            sources=customer_facing(retrieval.chunks if retrieval else []),
            guidance=staff_only(retrieval),
            requests=requests_of(retrieval),
            confidence=retrieval.confidence if retrieval else None,
            knowledge_available=retrieval is not None,
            facts=context.memory.facts if context.memory else [],
            history=context.memory.history if context.memory else [],
            customer_record=context.customer_record,
            escalation_note=assessment.customer_message if assessment and escalated else None,
            handoff_only=bool(assessment and "human_request" in assessment.reasons),
        )
        if isinstance(self._generator, ResilientGenerator):
            draft, generator_name = await self._generator.draft(given, context)
        else:
            draft, generator_name = await self._generator.draft(given), self._generator.name
        guard = DisclosureGuard(given.guidance, given.sources)
        text = []
        async for piece in guard.screen(draft.pieces):
            text.append(piece)
            await frames.send(
                AnswerDeltaFrame(turn_id=context.turn_id, text=piece),
                appended,
            )
        await frames.send(Typing(turn_id=context.turn_id, state="off"), appended)
        if escalated and assessment and assessment.ticket_id:
            reason = ", ".join(assessment.reasons) or "escalation"
            await frames.send(
                Escalated(
                    ticket_id=assessment.ticket_id,
                    reason=reason,
                    message=assessment.customer_message
                    or "A member of our team will join shortly.",
                    state=WAITING_STATES.get(assessment.ticket_state or "open", "waiting"),
                ),
                appended,
            )
        if guard.withheld:
            self._metrics.withheld.inc(guard.withheld)
            log.warning("withheld %d answer sentences quoting staff-only text", guard.withheld)
        answer = "".join(text)
        # Snippets, not whole passages, go to the customer and into `turn.completed`: every
        # consumer of the turn would otherwise carry and store the cited passages again.
        sources = [s.model_copy(update={"text": None}) for s in customer_facing(draft.sources)]
        context.answer = Answer(
            text=answer,
            sources=sources,
            generator=generator_name,
            escalated=escalated,
            ticket_id=assessment.ticket_id if assessment and escalated else None,
            confidence=retrieval.confidence if retrieval else None,
        )
        context.answer_frame = AnswerCompletedFrame(
            turn_id=context.turn_id,
            client_message_id=message.message_id,
            text=answer,
            sources=sources,
            escalated=escalated,
            ticket_id=context.answer.ticket_id,
            offers_human=draft.offers_human,
        )
        await frames.finish(context.answer_frame, appended)

    async def summarize_handoff(self, context: TurnContext) -> None:
        """The agent's summary of a ticket this turn opened, by the LLM generator if there is
        one (the customer already has the answer)."""
        assessment, answer, memory = context.assessment, context.answer, context.memory
        if not (
            isinstance(self._generator, ResilientGenerator)
            and assessment
            and assessment.ticket_opened
            and assessment.ticket_id
            and answer
        ):
            return
        handoff = Handoff(
            question=context.message.text,
            answer=answer.text,
            reasons=assessment.reasons,
            facts=memory.facts if memory else [],
            history=memory.history if memory else [],
        )
        summary = await self._generator.summarize(handoff, self._summary_timeout)
        if summary:
            context.handoff_summary = context.message.follow(
                EscalationSummaryWritten,
                ticket_id=assessment.ticket_id,
                summary=summary[:2000],
                written_by=self._generator.name,
            )

    async def record(self, context: TurnContext) -> None:
        """Commit the turn with its `turn.completed`, once per message."""
        answer = context.answer
        assert answer is not None
        completed_at = utcnow()
        timings = context.timings_ms | {
            "total": round((completed_at - context.started_at).total_seconds() * 1000, 2)
        }
        await self._commit(
            context,
            completed_at,
            generator=answer.generator,
            answer_text=answer.text,
            sources=answer.sources,
            confidence=answer.confidence,
            guidance=distinct_documents(staff_only(context.retrieval)),
            tools_called=context.tools_called,
            degraded=context.degraded,
            escalated=answer.escalated,
            ticket_id=answer.ticket_id,
            timings_ms=timings,
        )

    async def forward_to_agent(self, context: TurnContext) -> None:
        """A human holds the session: record the message for the agent instead of answering,
        and tell the client it reached the agent (the turn is over for the assistant)."""
        await self._commit(
            context,
            utcnow(),
            generator=HANDED_OFF,
            answer_text="",
            handled_by="agent",
            ticket_id=context.state.ticket_id,
        )
        message = context.message
        await self._emitter.emit(
            message.tenant_id,
            context.session_id,
            Delivered(
                turn_id=context.turn_id,
                client_message_id=message.message_id,
                ticket_id=context.state.ticket_id,
            ),
            lambda seq: message.follow(FramesAppended, seq=seq),
        )

    async def _commit(
        self,
        context: TurnContext,
        completed_at: datetime,
        *,
        generator: str,
        degraded: list[str] | None = None,
        **reported: Any,
    ) -> None:
        """Store the turn's row and emit `turn.completed` with the `reported` fields, once per
        message."""
        message = context.message
        async with self._outbox.unit_of_work(consumer=CONSUMER, event=message) as uow:
            if uow.duplicate:
                return
            await ClientMessages.record(uow.conn, message, context.answer_frame)
            await uow.conn.execute(
                turns.insert().values(
                    turn_id=context.turn_id,
                    tenant_id=message.tenant_id,
                    session_id=context.session_id,
                    generator=generator,
                    degraded=degraded or [],
                    started_at=context.started_at,
                    completed_at=completed_at,
                )
            )
            uow.emit(
                message.follow(
                    TurnCompleted,
                    customer_id=message.customer_id,
                    message_id=message.message_id,
                    user_text=message.text,
                    turn_index=context.turn_index,
                    started_at=context.started_at,
                    completed_at=completed_at,
                    generator=generator,
                    degraded=degraded or [],
                    trace_id=current_trace_id(),
                    **reported,
                )
            )
            if context.handoff_summary is not None:
                uow.emit(context.handoff_summary)
