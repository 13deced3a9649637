"""Assessments and commands of the escalation service (no broker code)."""

from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert

from contracts import (
    EscalationAssessed,
    EscalationAssessRequested,
    EscalationCommandCompleted,
    EscalationCommandRequested,
    utcnow,
)
from escalation.models import agents, policies, session_stats, tickets
from escalation.policy import DEFAULT_PRIORITIES, EscalationPolicy
from escalation.rules import Detectors
from escalation.tickets import assign, least_loaded_agent, open_ticket, resolve
from support_core.messaging.outbox import Outbox, UnitOfWork
from support_core.session_state import SessionState


def customer_message(
    ticket: dict[str, Any], agent_name: str | None, policy: EscalationPolicy, hours_open: bool
) -> str:
    """What the customer is told about the hand-off."""
    if agent_name:
        return f"I'm handing you over to {agent_name} from our team, who will reply here shortly."
    if not hours_open:
        hours = policy.business_hours
        return (
            f"I've asked our team to take over (ticket {ticket['ticket_id']}). They work "
            f"{hours.start:%H:%M}-{hours.end:%H:%M} {hours.timezone}; someone will reply here then."
        )
    return (
        f"I've asked our team to take over (ticket {ticket['ticket_id']}). Everyone is busy "
        "right now, so it may take a little while; someone will reply here."
    )


class EscalationService:
    """Decides on hand-offs and manages tickets and agents."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        state: SessionState,
        detectors: Detectors,
        metrics: CollectorRegistry,
    ) -> None:
        self._outbox = outbox
        self._state = state
        self._detectors = detectors
        self._escalations = Counter(
            "support_escalations", "Escalating assessments by reason", ["reason"], registry=metrics
        )
        self._assessments = Counter(
            "support_assessments", "Assessments by decision", ["escalate"], registry=metrics
        )
        for reason in DEFAULT_PRIORITIES:
            self._escalations.labels(reason=reason)

    async def policy_for(self, uow: UnitOfWork, tenant_id: str) -> EscalationPolicy:
        """The tenant's policy, or the defaults."""
        stored = (
            await uow.conn.execute(
                sa.select(policies.c.policy).where(policies.c.tenant_id == tenant_id)
            )
        ).scalar_one_or_none()
        return EscalationPolicy.model_validate(stored) if stored else EscalationPolicy()

    async def assess(self, request: EscalationAssessRequested) -> EscalationAssessed:
        """Whether the turn goes to a human; opens (or finds) the ticket and assigns it."""
        async with self._outbox.unit_of_work() as uow:
            policy = await self.policy_for(uow, request.tenant_id)
            streak = await self._low_confidence_streak(uow, request, policy)
            findings = self._detectors.assess(
                policy,
                text=request.text,
                turn_index=request.turn_index,
                low_confidence_streak=streak,
            )
            self._assessments.labels(escalate=str(bool(findings.reasons)).lower()).inc()
            if not findings.reasons:
                return request.follow(EscalationAssessed, escalate=False)
            for reason in findings.reasons:
                self._escalations.labels(reason=reason).inc()
            ticket, _ = await open_ticket(
                uow,
                cause=request,
                customer_id=request.customer_id,
                reasons=findings.reasons,
                summary=request.text,
                policy=policy,
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
            confidence=round(findings.confidence, 3),
            ticket_id=ticket["ticket_id"],
            ticket_state=ticket["status"],
            agent_id=ticket["agent_id"],
            customer_message=customer_message(ticket, agent_name, policy, hours_open),
        )

    async def _low_confidence_streak(
        self, uow: UnitOfWork, request: EscalationAssessRequested, policy: EscalationPolicy
    ) -> int:
        """Consecutive turns the knowledge base could not support, counted once per turn."""
        confidence = request.retrieval_confidence
        low = request.retrieval_degraded or (
            confidence is not None and confidence < policy.low_confidence.threshold
        )
        turn_id = str(request.correlation_id)
        increment = sa.case(
            (session_stats.c.last_turn_id == turn_id, session_stats.c.low_confidence_streak),
            else_=session_stats.c.low_confidence_streak + 1 if low else 0,
        )
        stored = await uow.conn.execute(
            insert(session_stats)
            .values(
                tenant_id=request.tenant_id,
                session_id=request.session_id,
                low_confidence_streak=1 if low else 0,
                last_turn_id=turn_id,
                updated_at=utcnow(),
            )
            .on_conflict_do_update(
                index_elements=[session_stats.c.tenant_id, session_stats.c.session_id],
                set_={
                    "low_confidence_streak": increment,
                    "last_turn_id": turn_id,
                    "updated_at": utcnow(),
                },
            )
            .returning(session_stats.c.low_confidence_streak)
        )
        return int(stored.scalar_one())

    async def command(self, request: EscalationCommandRequested) -> EscalationCommandCompleted:
        """Carry out an agent's or admin's command."""
        handler = getattr(self, f"_{request.action}")
        try:
            status, data = await handler(request)
        except (KeyError, ValueError, ValidationError) as exc:
            return request.follow(EscalationCommandCompleted, status=422, error=str(exc))
        if status >= 400:
            return request.follow(EscalationCommandCompleted, status=status, error=str(data))
        return request.follow(EscalationCommandCompleted, status=status, data=data)

    async def _ticket(
        self, uow: UnitOfWork, tenant_id: str, ticket_id: str
    ) -> dict[str, Any] | None:
        row = (
            (
                await uow.conn.execute(
                    sa.select(tickets)
                    .where(tickets.c.tenant_id == tenant_id, tickets.c.ticket_id == ticket_id)
                    .with_for_update()
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def _claim(self, request: EscalationCommandRequested) -> tuple[int, Any]:
        agent_id = request.payload["agent_id"]
        async with self._outbox.unit_of_work() as uow:
            ticket = await self._ticket(uow, request.tenant_id, request.payload["ticket_id"])
            if ticket is None:
                return 404, "no such ticket"
            if ticket["status"] == "assigned" and ticket["agent_id"] == agent_id:
                return 200, _public(ticket)
            if ticket["status"] != "open":
                return 409, f"the ticket is {ticket['status']}"
            agent = (
                (
                    await uow.conn.execute(
                        sa.select(agents).where(
                            agents.c.tenant_id == request.tenant_id, agents.c.agent_id == agent_id
                        )
                    )
                )
                .mappings()
                .first()
            )
            if agent is None:
                return 403, "not a registered agent"
            ticket = await assign(uow, ticket, dict(agent), request)
        await self._state.set_ticket(
            request.tenant_id, ticket["session_id"], ticket["ticket_id"], "assigned"
        )
        return 200, _public(ticket)

    async def _resolve(self, request: EscalationCommandRequested) -> tuple[int, Any]:
        async with self._outbox.unit_of_work() as uow:
            ticket = await self._ticket(uow, request.tenant_id, request.payload["ticket_id"])
            if ticket is None:
                return 404, "no such ticket"
            if ticket["status"] == "resolved":
                return 200, _public(ticket)
            by = request.payload.get("agent_id")
            if by is not None and ticket["agent_id"] not in (None, by):
                return 403, "the ticket is assigned to another agent"
            ticket = await resolve(uow, ticket, request.payload.get("resolution"), request)
        await self._state.set_ticket(request.tenant_id, ticket["session_id"], None, None)
        return 200, _public(ticket)

    async def _upsert_agent(self, request: EscalationCommandRequested) -> tuple[int, Any]:
        payload = request.payload
        values = {
            "name": str(payload["name"]),
            "available": bool(payload.get("available", True)),
            "max_concurrent": int(payload.get("max_concurrent", 3)),
            "updated_at": utcnow(),
        }
        async with self._outbox.unit_of_work() as uow:
            await uow.conn.execute(
                insert(agents)
                .values(tenant_id=request.tenant_id, agent_id=str(payload["agent_id"]), **values)
                .on_conflict_do_update(
                    index_elements=[agents.c.tenant_id, agents.c.agent_id], set_=values
                )
            )
            assigned = await self._assign_waiting(uow, request) if values["available"] else []
        for ticket in assigned:
            await self._state.set_ticket(
                request.tenant_id, ticket["session_id"], ticket["ticket_id"], "assigned"
            )
        return 200, {
            "agent_id": payload["agent_id"],
            **{k: v for k, v in values.items() if k != "updated_at"},
        }

    async def _assign_waiting(
        self, uow: UnitOfWork, request: EscalationCommandRequested
    ) -> list[dict[str, Any]]:
        """Hand waiting tickets (most urgent SLA first) to agents with room."""
        waiting = (
            (
                await uow.conn.execute(
                    sa.select(tickets)
                    .where(tickets.c.tenant_id == request.tenant_id, tickets.c.status == "open")
                    .order_by(tickets.c.sla_due_at)
                )
            )
            .mappings()
            .all()
        )
        assigned = []
        for ticket in waiting:
            agent = await least_loaded_agent(uow, request.tenant_id)
            if agent is None:
                break
            assigned.append(await assign(uow, dict(ticket), agent, request))
        return assigned

    async def _list_agents(self, request: EscalationCommandRequested) -> tuple[int, Any]:
        async with self._outbox.unit_of_work() as uow:
            rows = (
                (
                    await uow.conn.execute(
                        sa.select(
                            agents.c.agent_id,
                            agents.c.name,
                            agents.c.available,
                            agents.c.max_concurrent,
                        )
                        .where(agents.c.tenant_id == request.tenant_id)
                        .order_by(agents.c.agent_id)
                    )
                )
                .mappings()
                .all()
            )
        return 200, [dict(row) for row in rows]

    async def _get_policy(self, request: EscalationCommandRequested) -> tuple[int, Any]:
        async with self._outbox.unit_of_work() as uow:
            policy = await self.policy_for(uow, request.tenant_id)
        return 200, policy.model_dump(mode="json")

    async def _set_policy(self, request: EscalationCommandRequested) -> tuple[int, Any]:
        policy = EscalationPolicy.model_validate(request.payload)
        stored = policy.model_dump(mode="json")
        async with self._outbox.unit_of_work() as uow:
            await uow.conn.execute(
                insert(policies)
                .values(tenant_id=request.tenant_id, policy=stored, updated_at=utcnow())
                .on_conflict_do_update(
                    index_elements=[policies.c.tenant_id],
                    set_={"policy": stored, "updated_at": utcnow()},
                )
            )
        return 200, stored


def _public(ticket: dict[str, Any]) -> dict[str, Any]:
    """A ticket as the API shows it."""
    return {
        key: (value.isoformat() if hasattr(value, "isoformat") else value)
        for key, value in ticket.items()
    }
