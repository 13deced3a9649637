"""Logs carry no personal data: the redaction processor runs on every JSON log record."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from support_core.observability.context import log_context
from support_core.observability.logging import configure_logging
from tests.support.pii_corpus import CorpusFactory


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The services' logging setup, writing its JSON lines into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("test-service", level="INFO", json_logs=True)
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        root.handlers[:], root.level = saved
        structlog.reset_defaults()


def records(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line]


def test_messages_arguments_fields_and_exceptions_are_redacted(json_logs: io.StringIO) -> None:
    samples = CorpusFactory(seed=5).samples(60)
    stdlib = logging.getLogger("tests.pii")
    bound = structlog.get_logger("tests.pii")
    with log_context(tenant_id="acme", session_id="s-1"):
        for sample in samples:
            stdlib.warning("customer wrote %s", sample.text)
            bound.warning("customer wrote", text=sample.text, nested={"lines": [sample.text]})
        try:
            raise ValueError(f"bad input: {samples[0].text}")
        except ValueError:
            stdlib.exception("handler failed")
    output = records(json_logs)
    assert len(output) == 2 * len(samples) + 1
    rendered = "\n".join(json.dumps(record, ensure_ascii=False) for record in output)
    detected = ("CARD", "EMAIL", "IBAN", "IP", "PERSON", "PHONE", "SSN")
    leaks = [value for sample in samples for value in sample.values(*detected) if value in rendered]
    assert leaks == []
    assert "<" in str(output[0]["event"])
    assert output[-1]["exception"].startswith("Traceback")  # type: ignore[union-attr]
    assert {record["tenant_id"] for record in output} == {"acme"}
    kept = [value for sample in samples for value in sample.keep]
    assert [value for value in kept if value not in rendered] == []
