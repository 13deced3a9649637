"""Contracts: round trips, the routing-key registry, tolerance of unknown fields, JSON Schemas."""

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel, ValidationError

from contracts import (
    REGISTRY,
    ChatMessageReceived,
    Event,
    RetrievalCompleted,
    Source,
    UnknownEventType,
    model_for,
    parse_event,
)
from contracts.frames import client_frame_adapter, server_frame_adapter
from contracts.registry import EVENT_MODELS
from contracts.schema import all_schemas, render

SCHEMAS = Path(__file__).parents[2] / "contracts" / "schemas"


def sample(model: type[Any]) -> Any:
    """A valid instance of any event model (or of a model inside one), filling required fields
    with plain values."""
    values: dict[str, object] = {"tenant_id": "acme", "session_id": "s1", "correlation_id": "t1"}
    for name, field in model.model_fields.items():
        if name in values or not field.is_required():
            continue
        annotation = str(field.annotation)
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            values[name] = sample(field.annotation)
        elif annotation.startswith("typing.Literal"):
            values[name] = field.annotation.__args__[0]  # type: ignore[union-attr]
        elif "datetime" in annotation:
            values[name] = "2026-11-21T10:00:00Z"
        elif "int" in annotation:
            values[name] = 3
        elif "float" in annotation:
            values[name] = 0.5
        elif "bool" in annotation:
            values[name] = True
        elif "list" in annotation:
            values[name] = ["fraud"]
        else:
            values[name] = f"{name}-value"
    return model.model_validate(values)


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.routing_key())
def test_every_event_round_trips_through_json(model: type[Event]) -> None:
    event = sample(model)
    again = parse_event(event.model_dump_json())
    assert type(again) is model
    assert again == event
    assert again.event_type == model.routing_key()


def test_registry_maps_every_routing_key_to_its_model() -> None:
    assert len(REGISTRY) == len(EVENT_MODELS)
    for key, model in REGISTRY.items():
        assert model_for(key) is model
        assert model.routing_key() == key
    with pytest.raises(UnknownEventType):
        model_for("no.such.event")


def test_consumers_ignore_fields_added_by_newer_producers() -> None:
    payload = json.loads(sample(ChatMessageReceived).model_dump_json())
    payload["added_in_v2"] = {"nested": True}
    payload["schema_version"] = 2
    event = parse_event(json.dumps(payload))
    assert isinstance(event, ChatMessageReceived)
    assert event.schema_version == 2
    assert not hasattr(event, "added_in_v2")


def test_follow_carries_the_conversation_and_causation() -> None:
    message = sample(ChatMessageReceived)
    reply = message.follow(RetrievalCompleted, chunks=[])
    assert (reply.tenant_id, reply.session_id, reply.correlation_id) == ("acme", "s1", "t1")
    assert reply.causation_id == message.event_id
    assert reply.event_id != message.event_id


def test_events_are_immutable_and_validated() -> None:
    event = sample(ChatMessageReceived)
    with pytest.raises(ValidationError):
        event.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        ChatMessageReceived(tenant_id="acme", message_id="m", text="hi")  # no gateway_instance


def test_committed_json_schemas_match_the_models() -> None:
    generated = all_schemas()
    committed = {path.name for path in SCHEMAS.glob("*.json")}
    assert committed == set(generated), "run: task schemas"
    for name, schema in generated.items():
        assert (SCHEMAS / name).read_text() == render(schema), f"{name} is stale: task schemas"


def test_frames_validate_by_type() -> None:
    frame = client_frame_adapter.validate_python(
        {"type": "user_message", "client_message_id": "c1", "text": "hi"}
    )
    assert frame.type == "user_message"
    with pytest.raises(ValidationError):
        client_frame_adapter.validate_python({"type": "user_message", "text": ""})
    source = Source(document_id="d", title="T", chunk_id="c", score=0.5, snippet="s")
    completed = server_frame_adapter.validate_python(
        {
            "type": "answer_completed",
            "seq": 4,
            "turn_id": str(uuid4()),
            "text": "x",
            "sources": [source.model_dump()],
        }
    )
    assert completed.seq == 4
