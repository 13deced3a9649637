"""Asking another service over this instance's route: its reply, or 503 when it is late."""

from typing import TypeVar

from fastapi import HTTPException

from contracts import Event
from gateway.service import Gateway
from support_core.messaging.instance import RequestTimeout

E = TypeVar("E", bound=Event)
RETRY_AFTER = {"Retry-After": "5"}


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
