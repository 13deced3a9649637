"""Per-message log context: tenant, session and turn ids on every log line, cheaply.

A message sets one ContextVar (taken from AMQP headers, no body parsing); the ids are only
copied into a record when something is actually logged.
"""

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from faststream import BaseMiddleware
from faststream.message import StreamMessage

from contracts import Event

CONTEXT_HEADERS = ("tenant_id", "session_id")
_current: ContextVar[Mapping[str, Any] | None] = ContextVar("log_context", default=None)


def context_headers(event: Event) -> dict[str, str]:
    """Headers that identify the conversation of an event without parsing its body."""
    return {name: value for name in CONTEXT_HEADERS if (value := getattr(event, name))}


@contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Add ids to every log record written inside the block."""
    outer = _current.get()
    token = _current.set({**outer, **ids} if outer else ids)
    try:
        yield
    finally:
        _current.reset(token)


def add_log_context(_: Any, __: str, record: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: copy the current ids into the record."""
    ids = _current.get()
    if ids:
        for name, value in ids.items():
            if value is not None:
                record.setdefault(name, value)
    return record


class LogContextMiddleware(BaseMiddleware):
    """Bind tenant, session and turn ids of the incoming message to the log context."""

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        headers = msg.headers or {}
        token = _current.set(
            {
                "tenant_id": headers.get("tenant_id"),
                "session_id": headers.get("session_id"),
                "turn_id": msg.correlation_id,
            }
        )
        try:
            return await call_next(msg)
        finally:
            _current.reset(token)
