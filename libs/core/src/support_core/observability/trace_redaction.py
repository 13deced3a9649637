"""Spans leave the service without personal data or credentials.

Exceptions recorded on spans carry their message (a validation error quotes its input, a
customer's text), so their texts are fully redacted on export; instrumentation attributes
(routes, routing keys, ids) carry no personal data but a URL may carry a token
(`?token=` of a WebSocket URL), so every string attribute loses its credentials.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status

from support_core.redaction import default_redactor
from support_core.redaction.secrets import scrub_secrets


def _redacted_attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    redactor = default_redactor()
    return {
        key: redactor.redact(value)[0] if isinstance(value, str) else value
        for key, value in (attributes or {}).items()
    }


def _without_secrets(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        key: scrub_secrets(value) if isinstance(value, str) else value
        for key, value in (attributes or {}).items()
    }


def redact_span(span: ReadableSpan) -> ReadableSpan:
    """A copy of the span with credentials removed from its attributes, and its events'
    texts and status description redacted."""
    exception_attributes = {
        key: value for key, value in (span.attributes or {}).items() if key.startswith("exception.")
    }
    description = span.status.description
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes={
            **_without_secrets(span.attributes),
            **_redacted_attributes(exception_attributes),
        },
        events=[
            Event(event.name, _redacted_attributes(event.attributes), event.timestamp)
            for event in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=Status(
            span.status.status_code,
            default_redactor().redact(description)[0] if description else description,
        ),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingExporter(SpanExporter):
    """Redacts each span, then hands it to the real exporter."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Export redacted copies."""
        return self._inner.export([redact_span(span) for span in spans])

    def shutdown(self) -> None:
        """Shut the real exporter down."""
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the real exporter."""
        return self._inner.force_flush(timeout_millis)
