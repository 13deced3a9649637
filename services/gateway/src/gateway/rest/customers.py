"""Conversation history and customers' data rights: history, export, erasure."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from contracts import (
    CustomerErasureRequested,
    CustomerExportCompleted,
    CustomerExportRequested,
    CustomerFact,
    HistoryCompleted,
    HistoryMessage,
    HistoryRequested,
)
from gateway.deps import AdminDep, GatewayDep, own_session, require
from gateway.rest.asking import ask
from gateway.tokens import Principal

router = APIRouter(prefix="/v1")
MEMORY = "the memory service"
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "The memory service did not answer in time"}
}


class MessagePage(BaseModel):
    """Messages newest first; pass `next_before` as `before` for the page before."""

    messages: list[HistoryMessage]
    next_before: int | None


class CustomerExport(BaseModel):
    """Everything held about a customer."""

    customer_id: str
    messages: list[HistoryMessage]
    facts: list[CustomerFact]


@router.get(
    "/sessions/{session_id}/messages",
    tags=["sessions"],
    responses={
        **UNAVAILABLE,
        401: {"description": "Missing or invalid credentials"},
        404: {"description": "No such session"},
    },
)
async def session_messages(
    session_id: str,
    caller: Annotated[Principal, Depends(require("customer", "agent", "admin", "auditor"))],
    gateway: GatewayDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> MessagePage:
    """The session's messages (customer, assistant, agent), newest first."""
    if caller.role == "customer":
        await own_session(gateway, caller, session_id)
    request = HistoryRequested(
        tenant_id=caller.tenant_id, session_id=session_id, limit=limit, before=before
    )
    reply = await ask(gateway, request, HistoryCompleted, asked=MEMORY)
    return MessagePage(messages=reply.messages, next_before=reply.next_before)


@router.get("/customers/{customer_id}/export", tags=["customers"], responses=UNAVAILABLE)
async def export_customer(customer_id: str, admin: AdminDep, gateway: GatewayDep) -> CustomerExport:
    """Everything held about a customer, as JSON (a data-access request)."""
    request = CustomerExportRequested(tenant_id=admin.tenant_id, customer_id=customer_id)
    reply = await ask(gateway, request, CustomerExportCompleted, asked=MEMORY)
    return CustomerExport(customer_id=customer_id, messages=reply.messages, facts=reply.facts)


@router.delete(
    "/customers/{customer_id}",
    tags=["customers"],
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    responses={202: {"description": "Erasure requested; no body"}},
)
async def erase_customer(customer_id: str, admin: AdminDep, gateway: GatewayDep) -> Response:
    """Erase a customer's history and facts everywhere (asynchronous; `customer.erased` follows)."""
    await gateway.runtime.publisher.publish(
        CustomerErasureRequested(tenant_id=admin.tenant_id, customer_id=customer_id)
    )
    return Response(status_code=status.HTTP_202_ACCEPTED)
