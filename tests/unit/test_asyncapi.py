"""docs/asyncapi.yaml is generated from the event models and must stay in step with them."""

from pathlib import Path

import yaml

from escalation.asyncapi import document, render

COMMITTED = Path(__file__).parents[2] / "docs" / "asyncapi.yaml"


def test_the_committed_asyncapi_document_matches_the_models() -> None:
    assert COMMITTED.read_text() == render(document()), (
        "regenerate: uv run python -m escalation.asyncapi docs/asyncapi.yaml"
    )


def test_every_lifecycle_event_has_a_channel_on_the_escalations_exchange() -> None:
    doc = yaml.safe_load(COMMITTED.read_text())
    assert doc["asyncapi"] == "3.0.0"
    channels = doc["channels"].values()
    assert sorted(c["address"] for c in channels) == [
        "escalation.assigned",
        "escalation.created",
        "escalation.resolved",
    ]
    assert {c["bindings"]["amqp"]["exchange"]["name"] for c in channels} == {"support.escalations"}
    for schema in doc["components"]["schemas"].values():
        assert {"event_id", "ticket_id", "tenant_id"} <= set(schema["properties"])
