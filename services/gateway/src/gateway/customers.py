"""Conversation history and customers' data rights: history, export, erasure."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel

from contracts import (
    CustomerErasureRequested,
    CustomerExportCompleted,
    CustomerExportRequested,
    CustomerFact,
    Event,
    HistoryCompleted,
    HistoryMessage,
    HistoryRequested,
)
from gateway.api import own_session
from gateway.deps import AdminDep, GatewayDep, require
from gateway.service import Gateway
from gateway.tokens import Principal
from support_core.messaging.instance import RequestTimeout

router = APIRouter(prefix="/v1")
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


async def ask(gateway: Gateway, request: Event, reply_cls: type[Any]) -> Any:
    """Request/reply to another service over the instance route; 503 if it does not answer."""
    instance = gateway.runtime.instance
    assert instance is not None
    try:
        return await instance.request(
            request, reply_cls, timeout=gateway.settings.request_timeout_seconds
        )
    except RequestTimeout:
        raise HTTPException(
            503, "the memory service did not answer in time", {"Retry-After": "5"}
        ) from None


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
    reply: HistoryCompleted = await ask(
        gateway,
        HistoryRequested(
            tenant_id=caller.tenant_id, session_id=session_id, limit=limit, before=before
        ),
        HistoryCompleted,
    )
    return MessagePage(messages=reply.messages, next_before=reply.next_before)


@router.get("/customers/{customer_id}/export", tags=["customers"], responses=UNAVAILABLE)
async def export_customer(customer_id: str, admin: AdminDep, gateway: GatewayDep) -> CustomerExport:
    """Everything held about a customer, as JSON (a data-access request)."""
    reply: CustomerExportCompleted = await ask(
        gateway,
        CustomerExportRequested(tenant_id=admin.tenant_id, customer_id=customer_id),
        CustomerExportCompleted,
    )
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
