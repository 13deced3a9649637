"""OpenTelemetry tracing: one provider per service, exporter chosen by settings."""

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, Sampler, TraceIdRatioBased

from support_core.observability.trace_redaction import RedactingExporter
from support_core.settings import TelemetrySettings


def _one_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None)) + "\n"


def create_tracer_provider(
    settings: TelemetrySettings, *, service: str, instance_id: str
) -> TracerProvider:
    """Build the service's tracer provider with the configured exporter."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": service, "service.instance.id": instance_id}),
        sampler=sampler(settings),
    )
    if settings.exporter == "otlp":
        provider.add_span_processor(
            BatchSpanProcessor(RedactingExporter(OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
        )
    elif settings.exporter in ("console", "file"):
        provider.add_span_processor(
            SimpleSpanProcessor(RedactingExporter(_file_exporter(settings)))
        )
    return provider


def sampler(settings: TelemetrySettings) -> Sampler:
    """Which traces are recorded: a share of new ones, and whatever the caller's were; none
    without an exporter. An unrecorded span still carries its trace id to logs and events, at
    a fraction of a recorded span's cost (attributes, events and the export)."""
    if settings.exporter == "none":
        return ALWAYS_OFF
    return ParentBased(TraceIdRatioBased(settings.sample_ratio))


def _file_exporter(settings: TelemetrySettings) -> SpanExporter:
    if settings.exporter == "console":
        return ConsoleSpanExporter(formatter=_one_line)
    settings.file_path.parent.mkdir(parents=True, exist_ok=True)
    return ConsoleSpanExporter(out=settings.file_path.open("a", buffering=1), formatter=_one_line)


def current_trace_id() -> str | None:
    """Id of the trace the current span belongs to."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
