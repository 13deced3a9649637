"""Commands from agents and admins: tickets, agents and the tenant's policy (no broker code)."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert

from contracts import EscalationCommandCompleted, EscalationCommandRequested, utcnow
from escalation.models import agents, policies, tickets
from escalation.policy import EscalationPolicy, PolicyCache, load_policy
from escalation.tickets import assign, least_loaded_agent, resolve
from support_core.messaging.outbox import Outbox, UnitOfWork
from support_core.session_state import SessionState

Outcome = tuple[int, Any]
STATUSES = ("open", "assigned", "resolved")
MAX_PAGE = 200


def ticket_view(ticket: Any) -> dict[str, Any]:
    """A ticket as agents and the API see it."""
    return {
        "ticket_id": ticket["ticket_id"],
        "session_id": ticket["session_id"],
        "customer_id": ticket["customer_id"],
        "status": ticket["status"],
        "priority": ticket["priority"],
        "reasons": ticket["reasons"],
        "summary": ticket["summary"],
        "agent_id": ticket["agent_id"],
        "created_at": _iso(ticket["created_at"]),
        "due_at": _iso(ticket["sla_due_at"]),
        "assigned_at": _iso(ticket["assigned_at"]),
        "resolved_at": _iso(ticket["resolved_at"]),
        "resolution": ticket["resolution"],
        "guidance": ticket["guidance"],
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _cursor(ticket: dict[str, Any]) -> str:
    """Where the next page starts: after this ticket, newest first."""
    return f"{ticket['created_at'].isoformat()}|{ticket['ticket_id']}"


class EscalationCommands:
    """Carries out `escalation.command.requested`; the reply's `status` is what HTTP would say."""

    def __init__(self, *, outbox: Outbox, state: SessionState, policies: PolicyCache) -> None:
        self._outbox = outbox
        self._state = state
        self._policies = policies
        self._actions: dict[str, Callable[[EscalationCommandRequested], Awaitable[Outcome]]] = {
            "list_tickets": self._list_tickets,
            "get_ticket": self._get_ticket,
            "claim": self._claim,
            "resolve": self._resolve,
            "upsert_agent": self._upsert_agent,
            "list_agents": self._list_agents,
            "get_policy": self._get_policy,
            "set_policy": self._set_policy,
        }

    async def run(self, request: EscalationCommandRequested) -> EscalationCommandCompleted:
        """Carry out one command; bad input is a 422, never a failed message."""
        try:
            status, data = await self._actions[request.action](request)
        except (KeyError, ValueError, ValidationError) as exc:
            return request.follow(EscalationCommandCompleted, status=422, error=str(exc))
        if status >= 400:
            return request.follow(EscalationCommandCompleted, status=status, error=str(data))
        return request.follow(EscalationCommandCompleted, status=status, data=data)

    async def _list_tickets(self, request: EscalationCommandRequested) -> Outcome:
        payload = request.payload
        limit = min(max(int(payload.get("limit", 50)), 1), MAX_PAGE)
        query = sa.select(tickets).where(tickets.c.tenant_id == request.tenant_id)
        if status := payload.get("status"):
            if status not in STATUSES:
                raise ValueError(f"status must be one of {', '.join(STATUSES)}")
            query = query.where(tickets.c.status == status)
        if before := payload.get("before"):
            created_text, _, ticket_id = str(before).partition("|")
            created = datetime.fromisoformat(created_text)
            query = query.where(
                sa.or_(
                    tickets.c.created_at < created,
                    sa.and_(tickets.c.created_at == created, tickets.c.ticket_id < ticket_id),
                )
            )
        query = query.order_by(tickets.c.created_at.desc(), tickets.c.ticket_id.desc())
        async with self._outbox.unit_of_work() as uow:
            rows = [dict(r) for r in (await uow.conn.execute(query.limit(limit + 1))).mappings()]
        page = rows[:limit]
        next_before = _cursor(page[-1]) if len(rows) > limit else None
        return 200, {"tickets": [ticket_view(t) for t in page], "next_before": next_before}

    async def _get_ticket(self, request: EscalationCommandRequested) -> Outcome:
        async with self._outbox.unit_of_work() as uow:
            ticket = await self._ticket(uow, request, lock=False)
        return (200, ticket_view(ticket)) if ticket else (404, "no such ticket")

    async def _ticket(
        self, uow: UnitOfWork, request: EscalationCommandRequested, *, lock: bool = True
    ) -> dict[str, Any] | None:
        query = sa.select(tickets).where(
            tickets.c.tenant_id == request.tenant_id,
            tickets.c.ticket_id == str(request.payload["ticket_id"]),
        )
        row = (await uow.conn.execute(query.with_for_update() if lock else query)).mappings()
        found = row.first()
        return dict(found) if found else None

    async def _claim(self, request: EscalationCommandRequested) -> Outcome:
        agent_id = str(request.payload["agent_id"])
        async with self._outbox.unit_of_work() as uow:
            ticket = await self._ticket(uow, request)
            if ticket is None:
                return 404, "no such ticket"
            if ticket["status"] == "assigned" and ticket["agent_id"] == agent_id:
                return 200, ticket_view(ticket)
            if ticket["status"] != "open":
                held = f" by {ticket['agent_id']}" if ticket["status"] == "assigned" else ""
                return 409, f"the ticket is {ticket['status']}{held}"
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
        return 200, ticket_view(ticket)

    async def _resolve(self, request: EscalationCommandRequested) -> Outcome:
        by = request.payload.get("agent_id")
        async with self._outbox.unit_of_work() as uow:
            ticket = await self._ticket(uow, request)
            if ticket is None:
                return 404, "no such ticket"
            if ticket["status"] == "resolved":
                return 200, ticket_view(ticket)
            if by is not None and ticket["agent_id"] != by:
                return 403, "only the agent holding the ticket (or an admin) can resolve it"
            ticket = await resolve(uow, ticket, request.payload.get("resolution"), request)
        await self._state.set_ticket(request.tenant_id, ticket["session_id"], None, None)
        return 200, ticket_view(ticket)

    async def _upsert_agent(self, request: EscalationCommandRequested) -> Outcome:
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
            "assigned": [ticket["ticket_id"] for ticket in assigned],
        }

    async def _assign_waiting(
        self, uow: UnitOfWork, request: EscalationCommandRequested
    ) -> list[dict[str, Any]]:
        """Hand waiting tickets (most urgent SLA first) to agents with room, during hours."""
        policy = await load_policy(uow.conn, request.tenant_id)
        if not policy.business_hours.open_at(utcnow()):
            return []
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

    async def _list_agents(self, request: EscalationCommandRequested) -> Outcome:
        columns = (agents.c.agent_id, agents.c.name, agents.c.available, agents.c.max_concurrent)
        async with self._outbox.unit_of_work() as uow:
            rows = await uow.conn.execute(
                sa.select(*columns)
                .where(agents.c.tenant_id == request.tenant_id)
                .order_by(agents.c.agent_id)
            )
            return 200, [dict(row) for row in rows.mappings()]

    async def _get_policy(self, request: EscalationCommandRequested) -> Outcome:
        async with self._outbox.unit_of_work() as uow:
            policy = await load_policy(uow.conn, request.tenant_id)
        return 200, policy.model_dump(mode="json")

    async def _set_policy(self, request: EscalationCommandRequested) -> Outcome:
        stored = EscalationPolicy.model_validate(request.payload).model_dump(mode="json")
        async with self._outbox.unit_of_work() as uow:
            await uow.conn.execute(
                insert(policies)
                .values(tenant_id=request.tenant_id, policy=stored, updated_at=utcnow())
                .on_conflict_do_update(
                    index_elements=[policies.c.tenant_id],
                    set_={"policy": stored, "updated_at": utcnow()},
                )
            )
        self._policies.forget(request.tenant_id)
        return 200, stored
