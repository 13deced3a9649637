"""Escalation tickets for agents, and the escalation policy for admins (docs/escalation.md)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from contracts import (
    AgentMessageSent,
    FramesAppended,
)
from contracts.escalation import EscalationPolicy, GuidanceRef
from contracts.frames import AgentMessage
from gateway.deps import AdminDep, AgentOrAdmin, GatewayDep, require
from gateway.rest.asking import escalation_command as command
from gateway.tokens import Principal

router = APIRouter(prefix="/v1", tags=["escalations"])
AgentOnly = Annotated[Principal, Depends(require("agent"))]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid credentials"},
    403: {"description": "Wrong role, or the ticket is held by another agent"},
    404: {"description": "No such ticket (also another tenant's)"},
    503: {"description": "The escalation service did not answer in time"},
}


class Ticket(BaseModel):
    """A hand-off to a human: `open` (waiting) → `assigned` (an agent holds it) → `resolved`."""

    ticket_id: str
    session_id: str
    customer_id: str | None
    status: Literal["open", "assigned", "resolved"]
    priority: Literal["low", "normal", "high", "urgent"]
    reasons: list[str]
    summary: str
    agent_id: str | None
    created_at: datetime
    due_at: datetime = Field(description="SLA: when an agent should have answered.")
    assigned_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    guidance: list[GuidanceRef] = Field(
        default_factory=list,
        description="Staff-only knowledge-base documents relevant to the conversation.",
    )


class TicketPage(BaseModel):
    """Tickets newest first; pass `next_before` as `before` for the next page."""

    tickets: list[Ticket]
    next_before: str | None = None


class AgentReply(BaseModel):
    """What the agent says to the customer."""

    text: str = Field(min_length=1, max_length=8000)


class Resolution(BaseModel):
    """How the conversation ended (kept on the ticket and sent downstream)."""

    note: str | None = Field(default=None, max_length=2000)


class MessageAccepted(BaseModel):
    """The reply is on its way to the customer and into the history."""

    event_id: str
    seq: int = Field(description="The `agent_message` frame's position in the session stream.")


@router.get("/escalations", responses=ERRORS)
async def list_tickets(
    caller: AgentOrAdmin,
    gateway: GatewayDep,
    ticket_status: Annotated[
        Literal["open", "assigned", "resolved"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(max_length=200)] = None,
) -> TicketPage:
    """The tenant's tickets, newest first, optionally of one status."""
    data = await command(
        gateway, caller, "list_tickets", status=ticket_status, limit=limit, before=before
    )
    return TicketPage.model_validate(data)


@router.get("/escalations/{ticket_id}", responses=ERRORS)
async def get_ticket(ticket_id: str, caller: AgentOrAdmin, gateway: GatewayDep) -> Ticket:
    """One ticket."""
    return Ticket.model_validate(await command(gateway, caller, "get_ticket", ticket_id=ticket_id))


@router.post(
    "/escalations/{ticket_id}/claim",
    responses=ERRORS | {409: {"description": "Held by another agent, or resolved"}},
)
async def claim_ticket(ticket_id: str, caller: AgentOnly, gateway: GatewayDep) -> Ticket:
    """Take a waiting ticket: the customer's next messages come to you, not the assistant."""
    data = await command(gateway, caller, "claim", ticket_id=ticket_id, agent_id=caller.subject)
    return Ticket.model_validate(data)


@router.post(
    "/escalations/{ticket_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS | {409: {"description": "The ticket is not assigned (any more)"}},
)
async def send_message(
    ticket_id: str, body: AgentReply, caller: AgentOnly, gateway: GatewayDep
) -> MessageAccepted:
    """Reply to the customer of a ticket you hold: an `agent_message` frame on their socket."""
    ticket = Ticket.model_validate(
        await command(gateway, caller, "get_ticket", ticket_id=ticket_id)
    )
    if ticket.status != "assigned":
        raise HTTPException(409, f"the ticket is {ticket.status}")
    if ticket.agent_id != caller.subject:
        raise HTTPException(403, "the ticket is held by another agent")
    sent = AgentMessageSent(
        tenant_id=caller.tenant_id,
        session_id=ticket.session_id,
        ticket_id=ticket.ticket_id,
        agent_id=caller.subject,
        customer_id=ticket.customer_id,
        text=body.text,
    )
    await gateway.runtime.publisher.publish(sent)  # memory and audit record it
    seq = await gateway.frames.emit(
        caller.tenant_id,
        ticket.session_id,
        AgentMessage(ticket_id=ticket.ticket_id, agent_id=caller.subject, text=body.text),
        lambda seq: sent.follow(FramesAppended, seq=seq),
    )
    await gateway.feed.tell(
        caller.tenant_id, type="message", session_id=ticket.session_id, role="agent"
    )
    return MessageAccepted(event_id=str(sent.event_id), seq=seq)


@router.post("/escalations/{ticket_id}/resolve", responses=ERRORS)
async def resolve_ticket(
    ticket_id: str,
    caller: AgentOrAdmin,
    gateway: GatewayDep,
    body: Annotated[Resolution | None, Body()] = None,
) -> Ticket:
    """Close the hand-off; the assistant answers the customer again."""
    holder = caller.subject if caller.role == "agent" else None
    note = body.note if body else None
    data = await command(
        gateway, caller, "resolve", ticket_id=ticket_id, agent_id=holder, resolution=note
    )
    return Ticket.model_validate(data)


@router.get("/admin/escalation-policy", tags=["admin"], responses=ERRORS)
async def get_policy(admin: AdminDep, gateway: GatewayDep) -> EscalationPolicy:
    """The tenant's escalation rules (the defaults until changed)."""
    return EscalationPolicy.model_validate(await command(gateway, admin, "get_policy"))


@router.put(
    "/admin/escalation-policy",
    tags=["admin"],
    responses=ERRORS | {422: {"description": "Not a valid policy"}},
)
async def set_policy(
    policy: EscalationPolicy, admin: AdminDep, gateway: GatewayDep
) -> EscalationPolicy:
    """Replace the tenant's escalation rules; sections left out take their defaults."""
    stored = await command(gateway, admin, "set_policy", **policy.model_dump(mode="json"))
    return EscalationPolicy.model_validate(stored)
