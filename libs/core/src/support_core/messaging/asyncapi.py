"""The AsyncAPI 3.0 document of the whole event catalogue, generated from the event models and
the topology catalogue:

    uv run python -m support_core.messaging.asyncapi docs/asyncapi.yaml

Every event type has a channel on `support.events` (its routing key); every service queue a
channel with its bindings and dead-letter route; replies and frame doorbells a channel on
`support.replies`; the ticket lifecycle keeps its channels on `support.escalations`, which
ticketing and CRM systems subscribe to.
"""

import sys
from pathlib import Path
from typing import Any

import yaml

from contracts import (
    EscalationAssigned,
    EscalationCreated,
    EscalationResolved,
    EscalationUpdated,
    Event,
    FramesAppended,
)
from contracts.registry import EVENT_MODELS
from support_core.messaging.catalogue import BINDINGS, REPLY_TO, SERVICES
from support_core.messaging.topology import DEAD_LETTERS, ESCALATIONS, EVENTS, REPLIES

LIFECYCLE = (EscalationCreated, EscalationAssigned, EscalationUpdated, EscalationResolved)
DOORBELLS = (FramesAppended,)
"""Rung on each gateway instance holding the session's socket when frames were appended."""
DELIVERY = (
    "Published through a transactional outbox, at least once: a consumer must de-duplicate by "
    "`event_id` (the AMQP `message_id` carries it too). Events of one ticket are published in "
    "order; an event may be redelivered after its successors. Consumers must ignore fields "
    "they do not know: changes are additive, a breaking change is a new event type."
)
AMQP = "0.3.0"


def _exchange(name: str, kind: str) -> dict[str, Any]:
    return {"name": name, "type": kind, "durable": True, "autoDelete": False, "vhost": "/"}


def _summary(model: type[Event]) -> str:
    return " ".join((model.__doc__ or model.__name__).split())


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/{kind}/{name}"}


def _key_channel(exchange: str, key: str, models: list[type[Event]]) -> dict[str, Any]:
    return {
        "address": key,
        "title": f"{exchange} / {key}",
        "description": f"Routing key `{key}` on the `{exchange}` topic exchange.",
        "messages": {m.__name__: _ref("components/messages", m.__name__) for m in models},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": _exchange(exchange, "topic"),
                "bindingVersion": AMQP,
            }
        },
    }


def _queue_channel(name: str, description: str, models: list[type[Event]]) -> dict[str, Any]:
    return {
        "address": name,
        "title": name,
        "description": description,
        "messages": {m.__name__: _ref("components/messages", m.__name__) for m in models},
        "bindings": {
            "amqp": {
                "is": "queue",
                "queue": {
                    "name": name,
                    "durable": True,
                    "exclusive": False,
                    "autoDelete": False,
                    "vhost": "/",
                },
                "bindingVersion": AMQP,
            }
        },
    }


def _operation(
    action: str, channel: str, summary: str, models: list[type[Event]]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "action": action,
        "channel": _ref("channels", channel),
        "summary": summary,
        "messages": [_ref(f"channels/{channel}/messages", m.__name__) for m in models],
    }
    if action == "send":
        operation["bindings"] = {
            "amqp": {"deliveryMode": 2, "mandatory": False, "bindingVersion": AMQP}
        }
    return operation


def _message(model: type[Event]) -> dict[str, Any]:
    key = model.routing_key()
    return {
        "name": key,
        "title": model.__name__,
        "summary": _summary(model),
        "contentType": "application/json",
        "correlationId": {
            "description": "The conversation turn that caused it (absent for agents' actions).",
            "location": "$message.payload#/correlation_id",
        },
        "payload": _ref("components/schemas", model.__name__),
        "bindings": {"amqp": {"messageType": key, "bindingVersion": AMQP}},
    }


def _schemas() -> dict[str, Any]:
    """Every model's JSON schema, the models they nest hoisted beside them."""
    schemas: dict[str, Any] = {}
    for model in EVENT_MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas |= schema.pop("$defs", {})
        schemas[model.__name__] = schema
    return schemas


def _lifecycle(channels: dict[str, Any], operations: dict[str, Any]) -> None:
    for model in LIFECYCLE:
        channel = model.routing_key().replace(".", "_")
        channels[channel] = _key_channel(ESCALATIONS.name, model.routing_key(), [model])
        operations[f"publish_{channel}"] = _operation("send", channel, _summary(model), [model])


def _events(channels: dict[str, Any], operations: dict[str, Any]) -> None:
    for model in EVENT_MODELS:
        channel = f"events_{model.routing_key().replace('.', '_')}"
        channels[channel] = _key_channel(EVENTS.name, model.routing_key(), [model])
        operations[f"publish_{channel}"] = _operation("send", channel, _summary(model), [model])


def _queues(channels: dict[str, Any], operations: dict[str, Any]) -> None:
    for binding in BINDINGS:
        models = [m for m in EVENT_MODELS if m.routing_key() in binding.routing_keys]
        channel = f"queue_{binding.queue.replace('.', '_')}"
        channels[channel] = _queue_channel(
            binding.queue,
            f"Quorum queue of {binding.service}, bound to `{EVENTS.name}` by "
            f"{', '.join(f'`{key}`' for key in binding.routing_keys)}. After the delivery "
            "limit a message is dead-lettered to "
            f"`{DEAD_LETTERS.name}` with routing key `{binding.service}`, into "
            f"`{binding.service}.parking`.",
            models,
        )
        operations[f"receive_{channel}"] = _operation(
            "receive", channel, f"{binding.service} consumes {len(models)} event types.", models
        )
    for service in SERVICES:
        channel = f"parking_{service}"
        channels[channel] = _queue_channel(
            f"{service}.parking",
            f"Messages {service} gave up on, bound to `{DEAD_LETTERS.name}` by `{service}`; "
            "an operator inspects, replays or drops them with `support dlq`.",
            [],
        )


def _replies(channels: dict[str, Any], operations: dict[str, Any]) -> None:
    routes: dict[str, list[type[Event]]] = {
        "replies": list(REPLY_TO.values()),
        "doorbells": list(DOORBELLS),
    }
    for name, models in routes.items():
        channels[name] = {
            "address": "{service}.{instance_id}",
            "title": f"{REPLIES.name} / {{service}}.{{instance_id}}",
            "description": (
                f"Routing key of one service instance on the `{REPLIES.name}` direct exchange, "
                "bound to that instance's private queue (auto-deleted with it). "
                + (
                    "Each request's reply goes to the route named in its `reply_to`."
                    if name == "replies"
                    else "Whoever appended frames to a session's stream (the orchestrator, or "
                    "the gateway where an agent replied) rings each gateway instance holding "
                    "the session's socket."
                )
            ),
            "parameters": {
                "service": {"description": "The asking service."},
                "instance_id": {"description": "The asking process's instance id."},
            },
            "messages": {m.__name__: _ref("components/messages", m.__name__) for m in models},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": _exchange(REPLIES.name, "direct"),
                    "bindingVersion": AMQP,
                }
            },
        }
        operations[f"send_{name}"] = _operation("send", name, channels[name]["description"], models)


def document() -> dict[str, Any]:
    """The AsyncAPI document as a plain dict."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for part in (_lifecycle, _events, _queues, _replies):
        part(channels, operations)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Support platform: events",
            "version": "2.0.0",
            "description": (
                "Every event the platform's services exchange over RabbitMQ. Ticketing and CRM "
                f"systems: bind a durable queue of your own to the `{ESCALATIONS.name}` topic "
                "exchange with `escalation.#` (or one routing key per event type). "
                + DELIVERY
                + " Example subscriber: examples/ticketing_bridge.py; the hand-off flow: "
                "docs/escalation.md."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "broker": {
                "host": "{host}:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "The platform's RabbitMQ.",
                "variables": {"host": {"default": "127.0.0.1"}},
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": {m.__name__: _message(m) for m in EVENT_MODELS},
            "schemas": _schemas(),
        },
    }


def render(doc: dict[str, Any]) -> str:
    """The document as committed in docs/asyncapi.yaml."""
    rendered: str = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    return rendered


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/asyncapi.yaml")
    target.write_text(render(document()))
    print(target)
