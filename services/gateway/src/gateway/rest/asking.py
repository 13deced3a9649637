"""Asking another service over this instance's route: its reply, or 503 when it is late; the
escalation service's commands, whose refusals become HTTP errors."""

from typing import Any, Literal, TypeVar

from fastapi import HTTPException

from contracts import EscalationCommandCompleted, EscalationCommandRequested, Event
from gateway.service import Gateway
from gateway.tokens import Principal
from support_core.messaging.instance import RequestTimeout

E = TypeVar("E", bound=Event)
RETRY_AFTER = {"Retry-After": "5"}
Action = Literal[
    "list_tickets", "get_ticket", "claim", "resolve", "upsert_agent", "get_policy", "set_policy"
]


async def ask(
    gateway: Gateway,
    request: Event,
    reply_cls: type[E],
    *,
    asked: str,
    timeout: float | None = None,
) -> E:
    """The reply to `request`; 503 naming `asked` ("the audit service") if none arrives within
    `timeout` (default: the gateway's request timeout)."""
    instance = gateway.runtime.instance
    try:
        return await instance.request(
            request, reply_cls, timeout=timeout or gateway.settings.request_timeout_seconds
        )
    except RequestTimeout:
        raise HTTPException(503, f"{asked} did not answer in time", RETRY_AFTER) from None


async def escalation_command(
    gateway: Gateway, caller: Principal, action: Action, **payload: Any
) -> Any:
    """Ask the escalation service; its refusals become the same HTTP errors."""
    request = EscalationCommandRequested(tenant_id=caller.tenant_id, action=action, payload=payload)
    reply = await ask(gateway, request, EscalationCommandCompleted, asked="the escalation service")
    if reply.status >= 400:
        raise HTTPException(reply.status, reply.error or "refused")
    return reply.data
