"""Which traces a service records: a share of new ones, its callers' choice, none unexported."""

from pathlib import Path

from support_core.observability.tracing import create_tracer_provider
from support_core.settings import TelemetrySettings


def first_span(settings: TelemetrySettings) -> tuple[bool, bool]:
    """Whether a new trace's first span is recorded, and whether it has a trace id."""
    provider = create_tracer_provider(settings, service="unit", instance_id="i1")
    with provider.get_tracer("unit").start_as_current_span("turn") as span:
        return span.is_recording(), span.get_span_context().is_valid


def test_without_an_exporter_nothing_is_recorded_but_trace_ids_remain() -> None:
    assert first_span(TelemetrySettings(exporter="none")) == (False, True)


def test_the_sample_ratio_decides_for_new_traces(tmp_path: Path) -> None:
    traces = tmp_path / "traces.jsonl"
    every = TelemetrySettings(exporter="file", file_path=traces)
    none = TelemetrySettings(exporter="file", file_path=traces, sample_ratio=0)
    assert first_span(every) == (True, True)
    assert first_span(none) == (False, True)
