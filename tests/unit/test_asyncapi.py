"""docs/asyncapi.yaml is generated from the event models and the topology catalogue and must stay
in step with them."""

import json
from pathlib import Path

import yaml

from support_core.messaging.asyncapi import document, render
from support_core.messaging.catalogue import BINDINGS, SERVICES

ROOT = Path(__file__).parents[2]
COMMITTED = ROOT / "docs" / "asyncapi.yaml"
DOC = yaml.safe_load(COMMITTED.read_text())


def test_the_committed_asyncapi_document_matches_the_models() -> None:
    assert COMMITTED.read_text() == render(document()), (
        "regenerate: uv run python -m support_core.messaging.asyncapi docs/asyncapi.yaml"
    )


def test_it_names_every_event_type_in_the_contract_schemas() -> None:
    event_types = {
        json.loads(path.read_text())["properties"]["event_type"]["const"]
        for path in (ROOT / "contracts" / "schemas").glob("*.json")
        if not path.name.startswith("ws.")
    }
    named = {message["name"] for message in DOC["components"]["messages"].values()}
    assert event_types and event_types == named
    on_events = {
        c["address"]
        for c in DOC["channels"].values()
        if c["bindings"]["amqp"].get("exchange", {}).get("name") == "support.events"
    }
    assert event_types == on_events


def test_every_queue_and_its_dead_letter_route_has_a_channel() -> None:
    queues = {
        c["address"] for c in DOC["channels"].values() if c["bindings"]["amqp"]["is"] == "queue"
    }
    assert {b.queue for b in BINDINGS} | {f"{s}.parking" for s in SERVICES} == queues
    for binding in BINDINGS:
        channel = DOC["channels"][f"queue_{binding.queue.replace('.', '_')}"]
        assert f"`{binding.service}.parking`" in channel["description"]


def test_every_reference_resolves() -> None:
    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    for ref in refs(DOC):
        target: object = DOC
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(target, dict) and part in target, ref
            target = target[part]


def test_downstream_systems_keep_the_escalation_lifecycle_channels() -> None:
    lifecycle = {
        name: c
        for name, c in DOC["channels"].items()
        if c["bindings"]["amqp"].get("exchange", {}).get("name") == "support.escalations"
    }
    assert sorted(lifecycle) == [
        "escalation_assigned",
        "escalation_created",
        "escalation_resolved",
        "escalation_updated",
    ]
    for channel in lifecycle.values():
        (message,) = channel["messages"].values()
        schema = DOC["components"]["schemas"][message["$ref"].rsplit("/", 1)[1]]
        assert {"event_id", "ticket_id", "tenant_id"} <= set(schema["properties"])
