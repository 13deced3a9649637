"""Tickets: at most one open per session, priority and SLA from the reasons, assignment to the
least-loaded available agent during business hours. Lifecycle events go out through the outbox,
to `support.events` (gateway, audit) and `support.escalations` (ticketing/CRM systems)."""

import uuid
import zlib
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from contracts import EscalationAssigned, EscalationCreated, EscalationResolved, Event, utcnow
from escalation.models import agents, tickets
from escalation.policy import EscalationPolicy
from support_core.messaging.outbox import UnitOfWork
from support_core.messaging.topology import ESCALATIONS, EVENTS


def emit_everywhere(uow: UnitOfWork, event: Event) -> None:
    """A lifecycle event for the platform and for downstream systems."""
    uow.emit(event, exchange=EVENTS)
    uow.emit(event, exchange=ESCALATIONS)


def new_ticket_id() -> str:
    """A short, readable ticket id."""
    return f"T-{uuid.uuid4().hex[:10].upper()}"


async def open_ticket(
    uow: UnitOfWork,
    *,
    cause: Event,
    customer_id: str | None,
    reasons: list[str],
    summary: str,
    policy: EscalationPolicy,
    signals: list[str] | None = None,
    guidance: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], bool]:
    """The session's open ticket, created now if there is none; and whether it was created.

    `signals` (noticed without handing off) raise the priority; `guidance` lists the staff-only
    documents relevant to the conversation, for the agent."""
    now = utcnow()
    priority = policy.priority_of([*reasons, *(signals or [])])
    created = (
        (
            await uow.conn.execute(
                insert(tickets)
                .values(
                    ticket_id=new_ticket_id(),
                    tenant_id=cause.tenant_id,
                    session_id=cause.session_id,
                    customer_id=customer_id,
                    status="open",
                    priority=priority,
                    reasons=reasons,
                    summary=summary[:2000],
                    guidance=guidance or [],
                    sla_due_at=now + timedelta(minutes=policy.sla_for(priority)),
                    created_at=now,
                )
                .on_conflict_do_nothing(
                    index_elements=["tenant_id", "session_id"],
                    # A literal predicate: with a bound parameter PostgreSQL cannot match the
                    # partial index once it switches to a generic plan (6th execution onwards).
                    index_where=sa.text("status <> 'resolved'"),
                )
                .returning(*tickets.c)
            )
        )
        .mappings()
        .first()
    )
    if created is not None:
        emit_everywhere(
            uow,
            cause.follow(
                EscalationCreated,
                ticket_id=created["ticket_id"],
                customer_id=customer_id,
                reasons=reasons,
                priority=priority,
                sla_due_at=created["sla_due_at"],
                summary=created["summary"],
            ),
        )
        return dict(created), True
    existing = (
        (
            await uow.conn.execute(
                sa.select(tickets).where(
                    tickets.c.tenant_id == cause.tenant_id,
                    tickets.c.session_id == cause.session_id,
                    tickets.c.status != "resolved",
                )
            )
        )
        .mappings()
        .one()
    )
    return dict(existing), False


async def least_loaded_agent(uow: UnitOfWork, tenant_id: str) -> dict[str, Any] | None:
    """An available agent with spare capacity, the least busy first (assignment is serialised
    per tenant for the rest of the transaction)."""
    await uow.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(zlib.crc32(tenant_id.encode()))))
    load = (
        sa.select(sa.func.count())
        .where(
            tickets.c.tenant_id == agents.c.tenant_id,
            tickets.c.agent_id == agents.c.agent_id,
            tickets.c.status == "assigned",
        )
        .scalar_subquery()
    )
    row = (
        (
            await uow.conn.execute(
                sa.select(agents, load.label("load"))
                .where(agents.c.tenant_id == tenant_id, agents.c.available.is_(True))
                .where(load < agents.c.max_concurrent)
                .order_by(load, agents.c.updated_at)
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def assign(
    uow: UnitOfWork, ticket: dict[str, Any], agent: dict[str, Any], cause: Event
) -> dict[str, Any]:
    """Give an open ticket to an agent."""
    updated = (
        (
            await uow.conn.execute(
                tickets.update()
                .where(tickets.c.ticket_id == ticket["ticket_id"], tickets.c.status == "open")
                .values(status="assigned", agent_id=agent["agent_id"], assigned_at=utcnow())
                .returning(*tickets.c)
            )
        )
        .mappings()
        .first()
    )
    if updated is None:
        return ticket
    emit_everywhere(
        uow,
        cause.follow(
            EscalationAssigned,
            session_id=updated["session_id"],
            ticket_id=updated["ticket_id"],
            agent_id=agent["agent_id"],
            agent_name=agent["name"],
            customer_id=updated["customer_id"],
        ),
    )
    return dict(updated)


async def resolve(
    uow: UnitOfWork, ticket: dict[str, Any], resolution: str | None, cause: Event
) -> dict[str, Any]:
    """Close a ticket; the session goes back to the assistant."""
    updated = (
        (
            await uow.conn.execute(
                tickets.update()
                .where(tickets.c.ticket_id == ticket["ticket_id"], tickets.c.status != "resolved")
                .values(status="resolved", resolved_at=utcnow(), resolution=resolution)
                .returning(*tickets.c)
            )
        )
        .mappings()
        .one()
    )
    emit_everywhere(
        uow,
        cause.follow(
            EscalationResolved,
            session_id=updated["session_id"],
            correlation_id=None,
            ticket_id=updated["ticket_id"],
            agent_id=updated["agent_id"],
            customer_id=updated["customer_id"],
            resolution=resolution,
        ),
    )
    return dict(updated)
