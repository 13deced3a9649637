"""The AsyncAPI 3.0 document of the events downstream systems consume from `support.escalations`,
with payload schemas generated from the event models:

    uv run python -m escalation.asyncapi docs/asyncapi.yaml
"""

import sys
from pathlib import Path
from typing import Any

import yaml

from contracts import EscalationAssigned, EscalationCreated, EscalationResolved, Event
from support_core.messaging.topology import ESCALATIONS

LIFECYCLE: tuple[tuple[type[Event], str], ...] = (
    (
        EscalationCreated,
        "A ticket was opened: the assistant handed the conversation to humans. At most one "
        "ticket is open per session; `priority` and `sla_due_at` follow from the `reasons`.",
    ),
    (
        EscalationAssigned,
        "An agent took the ticket (assigned automatically to the least-loaded available agent "
        "during business hours, or claimed). The customer's messages now go to that agent.",
    ),
    (
        EscalationResolved,
        "The ticket was closed; the conversation is back with the assistant.",
    ),
)
DELIVERY = (
    "Published through a transactional outbox, at least once: a consumer must de-duplicate by "
    "`event_id` (the AMQP `message_id` carries it too). Events of one ticket are published in "
    "order; an event may be redelivered after its successors. Consumers must ignore fields "
    "they do not know: changes are additive, a breaking change is a new event type."
)


def _name(model: type[Event]) -> str:
    return model.__name__


def document() -> dict[str, Any]:
    """The AsyncAPI document as a plain dict."""
    exchange = {
        "name": ESCALATIONS.name,
        "type": "topic",
        "durable": True,
        "autoDelete": False,
        "vhost": "/",
    }
    channels, operations, messages, schemas = {}, {}, {}, {}
    for model, description in LIFECYCLE:
        key = model.routing_key()
        name = _name(model)
        channel = key.replace(".", "_")
        channels[channel] = {
            "address": key,
            "title": f"{ESCALATIONS.name} / {key}",
            "description": f"Routing key `{key}` on the `{ESCALATIONS.name}` topic exchange.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {
                "amqp": {"is": "routingKey", "exchange": dict(exchange), "bindingVersion": "0.3.0"}
            },
        }
        operations[f"publish_{channel}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": description,
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"}],
            "bindings": {
                "amqp": {"deliveryMode": 2, "mandatory": False, "bindingVersion": "0.3.0"}
            },
        }
        messages[name] = {
            "name": key,
            "title": name,
            "summary": description,
            "contentType": "application/json",
            "correlationId": {
                "description": "The conversation turn that caused it (absent for agents' actions).",
                "location": "$message.payload#/correlation_id",
            },
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {"amqp": {"messageType": key, "bindingVersion": "0.3.0"}},
        }
        schemas[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Support platform: escalation events",
            "version": "1.0.0",
            "description": (
                "Ticket lifecycle events for ticketing and CRM systems. Bind a durable queue of "
                f"your own to the `{ESCALATIONS.name}` topic exchange with `escalation.#` (or one "
                "routing key per event type). " + DELIVERY + " Example subscriber: "
                "examples/ticketing_bridge.py; the hand-off flow: docs/escalation.md."
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
        "components": {"messages": messages, "schemas": schemas},
    }


def render(doc: dict[str, Any]) -> str:
    """The document as committed in docs/asyncapi.yaml."""
    rendered: str = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    return rendered


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/asyncapi.yaml")
    target.write_text(render(document()))
    print(target)
