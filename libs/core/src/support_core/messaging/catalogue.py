"""The platform's whole topology in one definition: every service's durable queues, their
bindings and dead-letter routes.

Every service declares all of it when it starts, before it publishes anything: a message sent
before its consumer has ever run waits in that consumer's queue, instead of being routed only
to the audit trail's catch-all queue (which `mandatory` publishing cannot tell from delivery).
`support topology apply` declares the same from an operator's shell. A unit test compares this
table with the queues the six services' handlers consume, so the two cannot drift apart.
"""

import logging
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractRobustConnection
from aio_pika.exceptions import ChannelClosed, ChannelPreconditionFailed

from contracts import (
    AgentMessageSent,
    AuditGapsCompleted,
    AuditGapsRequested,
    AuditQueryCompleted,
    AuditQueryRequested,
    AuditSummaryCompleted,
    AuditSummaryRequested,
    AuditVerifyCompleted,
    AuditVerifyRequested,
    ChatMessageReceived,
    CustomerErasureRequested,
    CustomerExportCompleted,
    CustomerExportRequested,
    DocumentDeleted,
    DocumentDeleteRequested,
    DocumentIngested,
    DocumentIngestFailed,
    DocumentIngestRequested,
    EscalationAssessed,
    EscalationAssessRequested,
    EscalationAssigned,
    EscalationCommandCompleted,
    EscalationCommandRequested,
    EscalationCreated,
    EscalationResolved,
    EscalationSummaryWritten,
    EscalationUpdated,
    Event,
    FramesAppended,
    HistoryCompleted,
    HistoryRequested,
    MemoryRecallCompleted,
    MemoryRecallRequested,
    RetrievalCompleted,
    RetrievalRequested,
    TurnCompleted,
)
from contracts.registry import EVENT_MODELS
from support_core.messaging.topology import (
    DEAD_LETTERS,
    ESCALATIONS,
    EVENTS,
    REPLIES,
    parking_queue,
    service_queue,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Binding:
    """A service's durable queue, bound to `support.events` by a routing key (and `also` more)."""

    service: str
    routing_key: str
    name: str | None = None
    also: tuple[str, ...] = ()

    @property
    def routing_keys(self) -> tuple[str, ...]:
        """Every routing key the queue is bound by."""
        return (self.routing_key, *self.also)

    @property
    def queue(self) -> str:
        """The queue's name."""
        return f"{self.service}.{self.name or self.routing_key}"


def _of(service: str, *events: type[Event]) -> tuple[Binding, ...]:
    return tuple(Binding(service, event.routing_key()) for event in events)


REPLY_TO: dict[type[Event], type[Event]] = {
    MemoryRecallRequested: MemoryRecallCompleted,
    RetrievalRequested: RetrievalCompleted,
    EscalationAssessRequested: EscalationAssessed,
    HistoryRequested: HistoryCompleted,
    CustomerExportRequested: CustomerExportCompleted,
    EscalationCommandRequested: EscalationCommandCompleted,
    AuditQueryRequested: AuditQueryCompleted,
    AuditVerifyRequested: AuditVerifyCompleted,
    AuditSummaryRequested: AuditSummaryCompleted,
    AuditGapsRequested: AuditGapsCompleted,
}
"""Request → the reply its handler sends to the asking instance's `reply_to` route."""
RESTATED_BY_TURN = (
    ChatMessageReceived,
    MemoryRecallRequested,
    RetrievalRequested,
    EscalationAssessRequested,
)
"""A turn's message and its own lookups: `turn.completed` carries them (the text, the answer,
its sources, the tools called), so the audit trail records that one event."""
AUDITED = tuple(
    model
    for model in EVENT_MODELS
    if model not in RESTATED_BY_TURN
    and model not in REPLY_TO.values()
    and model is not FramesAppended
)
"""Every event that reaches `support.events` and the audit trail records."""
RETIRED: tuple[tuple[str, str], ...] = (("audit.all", "#"),)
"""Bindings of earlier releases that `apply` removes: (queue, routing key)."""


BINDINGS: tuple[Binding, ...] = (
    Binding(
        "audit",
        TurnCompleted.routing_key(),
        "all",
        also=tuple(m.routing_key() for m in AUDITED if m is not TurnCompleted),
    ),
    *_of(
        "audit",
        AuditQueryRequested,
        AuditVerifyRequested,
        AuditSummaryRequested,
        AuditGapsRequested,
    ),
    *_of(
        "escalation",
        EscalationAssessRequested,
        EscalationCommandRequested,
        EscalationSummaryWritten,
    ),
    *_of(
        "gateway",
        DocumentIngested,
        DocumentIngestFailed,
        DocumentDeleted,
        EscalationCreated,
        EscalationAssigned,
        EscalationResolved,
        EscalationUpdated,
    ),
    *_of(
        "memory",
        TurnCompleted,
        AgentMessageSent,
        MemoryRecallRequested,
        HistoryRequested,
        CustomerExportRequested,
        CustomerErasureRequested,
    ),
    *_of("orchestrator", ChatMessageReceived),
    *_of("retrieval", RetrievalRequested, DocumentIngestRequested, DocumentDeleteRequested),
)
SERVICES = tuple(sorted({binding.service for binding in BINDINGS}))


class Topology:
    """Declares the whole topology and tells whether it is all there."""

    def __init__(self, url: str, *, delivery_limit: int, service: str | None = None) -> None:
        self._url = url
        self._delivery_limit = delivery_limit
        # A process outside the catalogue (a tool, a test probe) still gets a parking queue.
        self._services = tuple(sorted({*SERVICES, *([service] if service else [])}))
        self._connection: AbstractRobustConnection | None = None

    async def _connected(self) -> AbstractRobustConnection:
        if self._connection is None or self._connection.is_closed:
            self._connection = await aio_pika.connect_robust(self._url, timeout=10)
        return self._connection

    async def apply(self) -> None:
        """Declare every exchange, queue, binding and dead-letter route (idempotent)."""
        connection = await self._connected()
        channel: AbstractChannel = await connection.channel()
        try:
            for exchange in (EVENTS, REPLIES, ESCALATIONS, DEAD_LETTERS):
                await channel.declare_exchange(
                    exchange.name, aio_pika.ExchangeType(exchange.type.value), durable=True
                )
            for service in self._services:
                parked = parking_queue(service)
                channel = await self._declare(channel, parked.name, parked.arguments or {})
                await (await channel.get_queue(parked.name)).bind(DEAD_LETTERS.name, service)
            for binding in BINDINGS:
                queue = service_queue(
                    binding.service,
                    binding.routing_key,
                    delivery_limit=self._delivery_limit,
                    name=binding.name,
                )
                channel = await self._declare(channel, queue.name, queue.arguments or {})
                declared = await channel.get_queue(queue.name)
                for key in binding.routing_keys:
                    await declared.bind(EVENTS.name, key)
            for name, key in RETIRED:
                await (await channel.get_queue(name)).unbind(EVENTS.name, key)
        finally:
            if not channel.is_closed:
                await channel.close()

    async def _declare(
        self, channel: AbstractChannel, name: str, arguments: dict[str, Any]
    ) -> AbstractChannel:
        """Declare a quorum queue; one that exists with other arguments (another service's
        `RABBITMQ_DELIVERY_LIMIT`) is left as it is: it routes all the same."""
        try:
            await channel.declare_queue(
                name, durable=True, arguments={"x-queue-type": "quorum", **arguments}
            )
        except ChannelPreconditionFailed:
            log.warning("queue %s exists with other arguments; kept as it is", name)
            channel = await (await self._connected()).channel()
        return channel

    async def missing(self) -> list[str]:
        """Catalogued queues the broker does not have."""
        connection = await self._connected()
        absent = []
        channel: AbstractChannel = await connection.channel()
        try:
            for name in [*(b.queue for b in BINDINGS), *(f"{s}.parking" for s in self._services)]:
                try:
                    await channel.declare_queue(name, passive=True)
                except ChannelClosed:
                    absent.append(name)
                    channel = await connection.channel()
        finally:
            if not channel.is_closed:
                await channel.close()
        return absent

    async def check(self) -> str | None:
        """Readiness: every catalogued queue exists."""
        absent = await self.missing()
        if absent:
            raise LookupError(f"queues missing: {', '.join(absent)}")
        return None

    async def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
