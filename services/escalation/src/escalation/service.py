"""Assessments: whether a turn goes to a human, and the ticket when it does (no broker code)."""

import calendar
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy.dialects.postgresql import insert

from contracts import (
    EscalationAssessed,
    EscalationAssessRequested,
    EscalationSummaryWritten,
    EscalationUpdated,
    utcnow,
)
from escalation.models import session_stats, tickets
from escalation.policy import DEFAULT_PRIORITIES, EscalationPolicy, PolicyCache
from escalation.rules import FRUSTRATION, Detectors, Streaks
from escalation.summary import handoff_summary
from escalation.tickets import assign, emit_everywhere, least_loaded_agent, open_ticket
from support_core.messaging.outbox import Outbox
from support_core.session_state import SessionState

SUMMARIES = "escalation.summaries"


def customer_message(
    ticket: dict[str, Any], agent_name: str | None, policy: EscalationPolicy, hours_open: bool
) -> str:
    """What the customer is told about the hand-off."""
    if agent_name:
        return f"I'm handing you over to {agent_name} from our team, who will reply here shortly."
    hours = policy.business_hours
    if not hours_open and not hours.days:
        return (
            f"I've asked our team to take over (ticket {ticket['ticket_id']}). No one is on duty "
            "right now; someone will reply here as soon as they can."
        )
    if not hours_open:
        days = ", ".join(calendar.day_abbr[day] for day in sorted(hours.days))
        return (
            f"I've asked our team to take over (ticket {ticket['ticket_id']}). They work "
            f"{days}, {hours.start:%H:%M}-{hours.end:%H:%M} {hours.timezone}; someone will reply "
            "here then."
        )
    return (
        f"I've asked our team to take over (ticket {ticket['ticket_id']}). Everyone is busy "
        "right now, so it may take a little while; someone will reply here."
    )


class EscalationService:
    """Decides on hand-offs, opens tickets and assigns them."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        state: SessionState,
        detectors: Detectors,
        policies: PolicyCache,
        metrics: CollectorRegistry,
    ) -> None:
        self._outbox = outbox
        self._state = state
        self._policies = policies
        self._detectors = detectors
        self._escalations = Counter(
            "support_escalations", "Escalating assessments by reason", ["reason"], registry=metrics
        )
        self._assessments = Counter(
            "support_assessments", "Assessments by decision", ["escalate"], registry=metrics
        )
        for reason in DEFAULT_PRIORITIES:
            self._escalations.labels(reason=reason)

    async def assess(self, request: EscalationAssessRequested) -> EscalationAssessed:
        """Whether the turn goes to a human; opens (or finds) the ticket and assigns it."""
        policy = await self._policies.get(request.tenant_id)
        # Read the text (the classifier embeds it) without holding a database connection.
        scores = await self._detectors.read_message(policy, request.text, request.embedding)
        streaks = await self._streaks(request, policy, frustrated=FRUSTRATION in scores)
        findings = self._detectors.decide(
            policy, scores, turn_index=request.turn_index, streaks=streaks
        )
        self._assessments.labels(escalate=str(bool(findings.reasons)).lower()).inc()
        if not findings.reasons:
            return request.follow(EscalationAssessed, escalate=False, signals=findings.signals)
        for reason in findings.reasons:
            self._escalations.labels(reason=reason).inc()
        async with self._outbox.unit_of_work() as uow:
            ticket, opened = await open_ticket(
                uow,
                cause=request,
                customer_id=request.customer_id,
                reasons=findings.reasons,
                summary=handoff_summary(request, findings.reasons),
                policy=policy,
                signals=findings.signals,
                guidance=[ref.model_dump() for ref in request.guidance],
            )
            hours_open = policy.business_hours.open_at(utcnow())
            agent_name = None
            if ticket["status"] == "open" and hours_open:
                agent = await least_loaded_agent(uow, request.tenant_id)
                if agent is not None:
                    ticket = await assign(uow, ticket, agent, request)
                    agent_name = agent["name"]
        await self._state.set_ticket(
            request.tenant_id, str(request.session_id), ticket["ticket_id"], ticket["status"]
        )
        return request.follow(
            EscalationAssessed,
            escalate=True,
            reasons=findings.reasons,
            signals=findings.signals,
            confidence=round(findings.confidence, 3),
            ticket_id=ticket["ticket_id"],
            ticket_state=ticket["status"],
            ticket_opened=opened,
            agent_id=ticket["agent_id"],
            customer_message=customer_message(ticket, agent_name, policy, hours_open),
        )

    async def rewrite_summary(self, written: EscalationSummaryWritten) -> None:
        """Replace the ticket's summary with the one the LLM generator wrote, once, and say so to
        the platform and downstream systems."""
        async with self._outbox.unit_of_work(consumer=SUMMARIES, event=written) as uow:
            if uow.duplicate:
                return
            ticket = (
                await uow.conn.execute(
                    tickets.update()
                    .where(
                        tickets.c.tenant_id == written.tenant_id,
                        tickets.c.ticket_id == written.ticket_id,
                    )
                    .values(summary=written.summary)
                    .returning(tickets.c.customer_id)
                )
            ).first()
            if ticket is not None:
                emit_everywhere(
                    uow,
                    written.follow(
                        EscalationUpdated,
                        ticket_id=written.ticket_id,
                        customer_id=ticket.customer_id,
                        summary=written.summary,
                    ),
                )

    async def _streaks(
        self,
        request: EscalationAssessRequested,
        policy: EscalationPolicy,
        *,
        frustrated: bool,
    ) -> Streaks:
        """Consecutive turns the knowledge base could not support and the customer sounded
        frustrated, this one included; counted once per turn even if it is assessed again."""
        confidence = request.retrieval_confidence
        low = request.retrieval_degraded or (
            confidence is not None and confidence < policy.low_confidence.threshold
        )
        turn_id = str(request.correlation_id)
        same_turn = session_stats.c.last_turn_id == turn_id

        def counted(column: sa.Column[int], now: bool) -> sa.Case[int]:
            return sa.case((same_turn, column), else_=column + 1 if now else 0)

        upsert = (
            insert(session_stats)
            .values(
                tenant_id=request.tenant_id,
                session_id=request.session_id,
                low_confidence_streak=int(low),
                frustration_streak=int(frustrated),
                last_turn_id=turn_id,
                updated_at=utcnow(),
            )
            .on_conflict_do_update(
                index_elements=[session_stats.c.tenant_id, session_stats.c.session_id],
                set_={
                    "low_confidence_streak": counted(session_stats.c.low_confidence_streak, low),
                    "frustration_streak": counted(session_stats.c.frustration_streak, frustrated),
                    "last_turn_id": turn_id,
                    "updated_at": utcnow(),
                },
            )
            .returning(session_stats.c.low_confidence_streak, session_stats.c.frustration_streak)
        )
        async with self._outbox.autocommit() as conn:
            row = (await conn.execute(upsert)).one()
        return Streaks(low_confidence=int(row[0]), frustrated=int(row[1]))
