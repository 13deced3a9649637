"""`support dlq`: look at, replay and purge the messages services parked (`<service>.parking`)."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import aio_pika
import typer
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from rich.console import Console
from rich.table import Table

from support_core.messaging.topology import parking_queue
from support_core.settings import RabbitSettings

DEATH_HEADERS = ("x-death", "x-delivery-count")
T = TypeVar("T")

dlq_app = typer.Typer(help="Messages the services gave up on (dead letters).", no_args_is_help=True)
console = Console()


class Service(StrEnum):
    """The services that park messages."""

    gateway = "gateway"
    orchestrator = "orchestrator"
    retrieval = "retrieval"
    memory = "memory"
    escalation = "escalation"
    audit = "audit"


class Target(StrEnum):
    """Where a replayed message goes."""

    queue = "queue"
    exchange = "exchange"


@dataclass(frozen=True)
class Parked:
    """One parked message, as its `x-death` header tells it."""

    event_type: str | None
    event_id: str | None
    reason: str | None
    queue: str | None
    exchange: str | None
    routing_key: str | None
    attempts: int

    @classmethod
    def of(cls, message: AbstractIncomingMessage) -> "Parked":
        """Read a message's most recent death (RabbitMQ puts it first)."""
        deaths: Any = (message.headers or {}).get("x-death") or [{}]
        death = deaths[0]
        keys = death.get("routing-keys") or [None]
        return cls(
            event_type=message.type,
            event_id=message.message_id,
            reason=death.get("reason"),
            queue=death.get("queue"),
            exchange=death.get("exchange"),
            routing_key=keys[0],
            attempts=int(death.get("count") or 0),
        )

    def destination(self, target: Target) -> tuple[str, str] | None:
        """Exchange and routing key to replay to, if the death header names them."""
        if target is Target.queue:
            return ("", self.queue) if self.queue else None
        if self.exchange is None or self.routing_key is None:
            return None
        return self.exchange, self.routing_key


def url_of(url: str | None) -> str:
    """The broker URL: `--url`, else `RABBITMQ_URL`, else the development default."""
    return url or RabbitSettings().url.get_secret_value()


def run(url: str | None, work: Callable[[AbstractConnection], Awaitable[T]]) -> T:
    """Connect, do the work, disconnect."""

    async def main() -> T:
        async with await aio_pika.connect(url_of(url), timeout=10) as connection:
            return await work(connection)

    return asyncio.run(main())


async def parked_count(connection: AbstractConnection, service: str) -> int | None:
    """Messages waiting in a service's parking queue; None when it was never declared."""
    channel = await connection.channel()
    try:
        queue = await channel.declare_queue(parking_queue(service).name, passive=True)
    except aio_pika.exceptions.ChannelClosed:
        return None
    count = queue.declaration_result.message_count or 0
    await channel.close()
    return count


async def peek(connection: AbstractConnection, service: str, limit: int) -> list[Parked]:
    """Read up to `limit` parked messages without taking them (they return when we close)."""
    channel = await connection.channel()
    queue = await channel.get_queue(parking_queue(service).name)
    seen = []
    for _ in range(limit):
        message = await queue.get(no_ack=False, fail=False)
        if message is None:
            break
        seen.append(Parked.of(message))
    await channel.close()
    return seen


def republished(message: AbstractIncomingMessage) -> aio_pika.Message:
    """The message as it was first published, without the broker's death bookkeeping."""
    headers = {
        key: value
        for key, value in (message.headers or {}).items()
        if key not in DEATH_HEADERS and not key.startswith(("x-first-death", "x-last-death"))
    }
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        correlation_id=message.correlation_id,
        message_id=message.message_id,
        timestamp=message.timestamp,
        type=message.type,
        app_id=message.app_id,
    )


async def replay(
    connection: AbstractConnection, service: str, target: Target, limit: int | None
) -> tuple[int, list[Parked]]:
    """Republish parked messages, acking each once the broker confirmed it was routed.

    Returns how many went back and the ones that could not (they stay parked). Only the
    messages there when it starts are taken, so one that fails again is not replayed twice.
    """
    source = await connection.channel()
    queue = await source.declare_queue(parking_queue(service).name, passive=True)
    waiting = queue.declaration_result.message_count or 0
    publisher = await connection.channel(on_return_raises=True)
    replayed, stuck = 0, []
    for _ in range(min(limit, waiting) if limit else waiting):
        message = await queue.get(no_ack=False, fail=False)
        if message is None:
            break
        parked = Parked.of(message)
        if await publish_to(publisher, parked.destination(target), message):
            await message.ack()
            replayed += 1
        else:
            stuck.append(parked)  # left unacked: back in the parking queue when we close
        if publisher.is_closed:  # publishing to a missing exchange closes the channel
            publisher = await connection.channel(on_return_raises=True)
    await source.close()
    return replayed, stuck


async def publish_to(
    channel: AbstractChannel, destination: tuple[str, str] | None, message: AbstractIncomingMessage
) -> bool:
    """Publish (mandatory, confirmed); whether the broker routed it."""
    if destination is None:
        return False
    exchange_name, routing_key = destination
    try:
        exchange = await channel.get_exchange(exchange_name, ensure=False)
        await exchange.publish(republished(message), routing_key, mandatory=True)
    except (aio_pika.exceptions.DeliveryError, aio_pika.exceptions.ChannelClosed):
        return False
    return True


async def purge(connection: AbstractConnection, service: str) -> int:
    """Delete every parked message of a service; return how many."""
    channel = await connection.channel()
    queue = await channel.get_queue(parking_queue(service).name)
    done = await queue.purge()
    await channel.close()
    return int(done.message_count or 0)


ServiceArgument = Annotated[Service, typer.Argument(help="Whose parking queue.")]
UrlOption = Annotated[
    str | None, typer.Option("--url", help="AMQP URL (default: RABBITMQ_URL).", show_default=False)
]


@dlq_app.command("list")
def list_parked(
    services: Annotated[
        list[Service] | None, typer.Argument(help="Default: every service.", show_default=False)
    ] = None,
    show: Annotated[int, typer.Option("--peek", min=0, help="Messages to show per queue.")] = 5,
    url: UrlOption = None,
) -> None:
    """Count parked messages per service and show the first few (nothing is taken)."""

    async def look(connection: AbstractConnection) -> list[tuple[str, int | None, list[Parked]]]:
        found: list[tuple[str, int | None, list[Parked]]] = []
        for service in services or list(Service):
            count = await parked_count(connection, service)
            sample = await peek(connection, service, show) if count else []
            found.append((service, count, sample))
        return found

    counts = Table("parking queue", "messages")
    details = Table("queue", "event type", "routing key", "died in", "reason", "tries", "event id")
    for service, count, sample in run(url, look):
        counts.add_row(parking_queue(service).name, "-" if count is None else str(count))
        for parked in sample:
            details.add_row(
                parking_queue(service).name,
                parked.event_type or "?",
                parked.routing_key or "?",
                parked.queue or "?",
                parked.reason or "?",
                str(parked.attempts),
                parked.event_id or "?",
            )
    console.print(counts)
    if details.row_count:
        console.print(details)


@dlq_app.command("replay")
def replay_parked(
    service: ServiceArgument,
    to: Annotated[
        Target,
        typer.Option(
            "--to",
            help="queue: back into the queue the message died in (only that consumer sees it); "
            "exchange: republish to its original exchange and routing key (every subscriber).",
        ),
    ] = Target.queue,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
    url: UrlOption = None,
) -> None:
    """Send parked messages back where they came from, acking each once it is confirmed."""
    replayed, stuck = run(url, lambda connection: replay(connection, service, to, limit))
    console.print(f"replayed {replayed} message(s) from {parking_queue(service).name}")
    for parked in stuck:
        console.print(
            f"[red]left parked[/red] {parked.event_id}: no route to "
            f"{parked.destination(to) or 'anywhere (no x-death header)'}"
        )
    if stuck:
        raise typer.Exit(1)


@dlq_app.command("purge")
def purge_parked(
    service: ServiceArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    url: UrlOption = None,
) -> None:
    """Delete every message parked by a service (asks first)."""
    name = parking_queue(service).name
    if not yes:
        count = run(url, lambda connection: parked_count(connection, service))
        typer.confirm(f"Delete the {count or 0} message(s) in {name}?", abort=True)
    deleted = run(url, lambda connection: purge(connection, service))
    console.print(f"deleted {deleted} message(s) from {name}")
