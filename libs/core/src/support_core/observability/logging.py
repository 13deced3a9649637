"""Structured JSON logs carrying trace, tenant and session ids."""

import logging
import sys
from collections.abc import Callable, MutableMapping
from typing import Any

import structlog
from opentelemetry import trace

from support_core.observability.context import add_log_context
from support_core.redaction import default_redactor

Processor = Callable[[Any, str, MutableMapping[str, Any]], MutableMapping[str, Any]]
_extra_processors: list[Processor] = []
# Fields the logging setup itself fills with identifiers and times: never personal data.
STRUCTURAL_FIELDS = frozenset(
    {
        "timestamp",
        "level",
        "logger",
        "service",
        "trace_id",
        "span_id",
        "tenant_id",
        "session_id",
        "turn_id",
        "event_id",
        "_record",
        "_from_structlog",
    }
)


def add_trace_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Attach the current span's trace and span ids."""
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        event["trace_id"] = format(span.trace_id, "032x")
        event["span_id"] = format(span.span_id, "016x")
    return event


def redact_pii(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace personal data in the message, the exception text and every other value."""
    redactor = default_redactor()
    for key, value in event.items():
        if key not in STRUCTURAL_FIELDS and isinstance(value, str | dict | list | tuple):
            event[key], _ = redactor.redact_value(value)
    return event


def register_log_processor(processor: Processor) -> None:
    """Add a processor that runs on every record before rendering (e.g. PII redaction)."""
    if processor not in _extra_processors:
        _extra_processors.append(processor)


def _apply_extra(_: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for processor in _extra_processors:
        event = processor(_, method, event)
    return event


def configure_logging(service: str, *, level: str = "INFO", json_logs: bool = True) -> None:
    """Route structlog and the standard library through one JSON (or console) renderer."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_log_context,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_ids,
        _apply_extra,
        structlog.processors.format_exc_info,
        redact_pii,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    structlog.contextvars.bind_contextvars(service=service)
    for noisy in ("uvicorn.access", "aiormq", "aio_pika"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
