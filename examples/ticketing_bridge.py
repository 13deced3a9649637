"""A downstream ticketing bridge: mirrors the platform's escalation tickets (docs/asyncapi.yaml).

    uv run python examples/ticketing_bridge.py --amqp amqp://guest:guest@127.0.0.1:5672/

It binds a durable queue of its own to the `support.escalations` topic exchange, keeps every
ticket's latest state in SQLite and prints one JSON line per new event (replace `forward` with a
call to your ticketing system). Delivery is at least once, so each `event_id` is recorded in the
same transaction as its effect and a redelivered event is dropped, even after a restart. Only
the documented contract is used: no code of the platform is imported.
"""

import argparse
import asyncio
import contextlib
import json
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

import aio_pika

EXCHANGE = "support.escalations"
STATUS = {
    "escalation.created": "open",
    "escalation.assigned": "assigned",
    "escalation.resolved": "resolved",
}
SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_events (event_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS tickets (
    tenant_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT,
    agent_id TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, ticket_id)
);
"""


class TicketMirror:
    """Tickets as the platform reports them, each event applied once."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path)
        self._db.executescript(SCHEMA)

    def apply(self, event: dict[str, Any]) -> bool:
        """Record the event and its effect together; False if it was seen before."""
        with self._db:
            new = self._db.execute(
                "INSERT OR IGNORE INTO seen_events (event_id) VALUES (?)", (event["event_id"],)
            ).rowcount
            if not new:
                return False
            self._db.execute(
                """
                INSERT INTO tickets (tenant_id, ticket_id, status, priority, agent_id, updated_at)
                VALUES (:tenant_id, :ticket_id, :status, :priority, :agent_id, :occurred_at)
                ON CONFLICT (tenant_id, ticket_id) DO UPDATE SET
                    priority = COALESCE(excluded.priority, priority),
                    agent_id = COALESCE(excluded.agent_id, agent_id),
                    -- an older event redelivered late must not roll the status back
                    status = CASE WHEN excluded.updated_at >= updated_at
                                  THEN excluded.status ELSE status END,
                    updated_at = MAX(excluded.updated_at, updated_at)
                """,
                {
                    "tenant_id": event["tenant_id"],
                    "ticket_id": event["ticket_id"],
                    "status": STATUS[event["event_type"]],
                    "priority": event.get("priority"),
                    "agent_id": event.get("agent_id"),
                    "occurred_at": event["occurred_at"],
                },
            )
        return True

    def close(self) -> None:
        """Close the database."""
        self._db.close()


FORWARDED = (
    "event_id",
    "event_type",
    "occurred_at",
    "tenant_id",
    "session_id",
    "ticket_id",
    "customer_id",
    "priority",
    "reasons",
    "sla_due_at",
    "summary",
    "agent_id",
    "agent_name",
    "resolution",
)


def forward(event: dict[str, Any]) -> None:
    """Hand the event to the ticketing system (here: one JSON line on stdout)."""
    print(json.dumps({key: event.get(key) for key in FORWARDED}), flush=True)


async def run(amqp_url: str, queue_name: str, mirror: TicketMirror) -> None:
    """Consume until SIGINT or SIGTERM; each message is acked after its effect is committed."""
    connection = await aio_pika.connect_robust(amqp_url)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=50)
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(queue_name, durable=True)
        await queue.bind(exchange, routing_key="escalation.#")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            event = json.loads(message.body)
            if event.get("event_type") not in STATUS:
                await message.ack()  # a newer event type this bridge does not know yet
                return
            if mirror.apply(event):
                forward(event)
            else:
                print(f"duplicate {event['event_id']} dropped", file=sys.stderr, flush=True)
            await message.ack()

        await queue.consume(on_message)
        print(f"consuming {EXCHANGE} through {queue_name}", file=sys.stderr, flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--queue", default="ticketing-bridge", help="durable queue of your own")
    parser.add_argument("--db", type=Path, default=Path("ticketing_bridge.sqlite3"))
    args = parser.parse_args()
    mirror = TicketMirror(args.db)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(args.amqp, args.queue, mirror))
    finally:
        mirror.close()


if __name__ == "__main__":
    main()
