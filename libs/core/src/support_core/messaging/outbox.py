"""Transactional outbox: events written with the change that caused them, published after.

Each unit of work publishes its own events right after it commits (no polling delay), then
deletes their rows. A sweeper publishes rows older than a grace period: those a crash or a
broker outage left behind. Delivery is at least once; consumers de-duplicate by `event_id`.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from faststream.rabbit import RabbitBroker, RabbitExchange
from opentelemetry import context, propagate
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts import Event
from support_core.messaging.topology import ESCALATIONS, EVENTS, REPLIES
from support_core.observability.context import CONTEXT_HEADERS, context_headers

log = logging.getLogger(__name__)
CORRELATION = "correlation_id"  # kept beside the row's trace headers, sent as AMQP's own
EXCHANGES = {exchange.name: exchange for exchange in (EVENTS, REPLIES, ESCALATIONS)}


@dataclass
class UnitOfWork:
    """One transaction: the effect, its inbox marks and the events it emits commit together."""

    conn: AsyncConnection
    inbox: sa.Table
    outbox: sa.Table
    duplicate: bool = False
    pending: list[dict[str, Any]] = field(default_factory=list)
    written: list[dict[str, Any]] = field(default_factory=list)

    async def claim(self, consumer: str, event_ids: list[UUID]) -> set[UUID]:
        """Mark events handled by `consumer`; return those not handled before."""
        if not event_ids:
            return set()
        claimed = await self.conn.execute(
            insert(self.inbox)
            .values([{"consumer": consumer, "event_id": event_id} for event_id in event_ids])
            .on_conflict_do_nothing()
            .returning(self.inbox.c.event_id)
        )
        return set(claimed.scalars())

    def emit(
        self, event: Event, *, exchange: RabbitExchange = EVENTS, routing_key: str | None = None
    ) -> None:
        """Queue an event to be published once this transaction commits."""
        headers = context_headers(event)
        if event.correlation_id:
            headers[CORRELATION] = event.correlation_id
        propagate.inject(headers)
        self.pending.append(
            {
                "event_id": event.event_id,
                "exchange": exchange.name,
                "routing_key": routing_key or event.event_type,
                "body": event.model_dump_json().encode(),
                "headers": headers,
            }
        )

    async def flush(self) -> None:
        """Write queued events into the outbox (done for you before commit)."""
        if self.pending:
            ids = await self.conn.execute(
                self.outbox.insert().returning(self.outbox.c.id, sort_by_parameter_order=True),
                self.pending,
            )
            self.written += [
                row | {"id": id_} for row, id_ in zip(self.pending, ids.scalars(), strict=True)
            ]
            self.pending.clear()


class Outbox:
    """Units of work with inbox de-duplication, and publishing of the events they emit."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        inbox: sa.Table,
        outbox: sa.Table,
        broker: RabbitBroker,
        batch_size: int = 200,
        sweep_interval: float = 1.0,
        grace: timedelta = timedelta(seconds=5),
    ) -> None:
        self._engine = engine
        self._inbox = inbox
        self._outbox = outbox
        self._broker = broker
        self._batch_size = batch_size
        self._sweep_interval = sweep_interval
        self._grace = grace

    @asynccontextmanager
    async def unit_of_work(
        self, *, consumer: str | None = None, event: Event | None = None
    ) -> AsyncIterator[UnitOfWork]:
        """Open a transaction; with `consumer` and `event`, mark the event handled exactly once.

        Events emitted inside are published once the transaction has committed.
        """
        async with self._engine.begin() as conn:
            uow = UnitOfWork(conn, self._inbox, self._outbox)
            if consumer is not None and event is not None:
                uow.duplicate = not await uow.claim(consumer, [event.event_id])
            yield uow
            await uow.flush()
        if uow.written:
            await self._dispatch(uow.written)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection whose statements each commit by themselves, for reads that need no
        snapshot of their own and single-statement writes: no BEGIN and COMMIT round trips."""
        async with self._engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def seen(self, consumer: str, event_id: UUID) -> bool:
        """Whether `consumer` already committed its handling of `event_id`."""
        async with self.autocommit() as conn:
            found = await conn.execute(
                sa.select(self._inbox.c.event_id).where(
                    self._inbox.c.consumer == consumer, self._inbox.c.event_id == event_id
                )
            )
            return found.first() is not None

    async def _dispatch(self, rows: Sequence[dict[str, Any]]) -> None:
        try:
            for row in rows:
                await self._publish(row)
        except Exception:
            log.warning("publishing from the outbox failed; the sweeper will retry", exc_info=True)
            return
        async with self.autocommit() as conn:
            await conn.execute(
                self._outbox.delete().where(self._outbox.c.id.in_([r["id"] for r in rows]))
            )

    async def sweep_forever(self) -> None:
        """Publish rows left behind (by a crash or a broker outage) until cancelled."""
        while True:
            try:
                while await self.sweep() == self._batch_size:
                    pass
            except Exception:
                log.exception("outbox sweep failed; retrying")
            await asyncio.sleep(self._sweep_interval)

    async def sweep(self) -> int:
        """Publish one batch of rows older than the grace period, in order, and delete them."""
        async with self._engine.begin() as conn:
            rows = (
                (
                    await conn.execute(
                        sa.select(self._outbox)
                        .where(self._outbox.c.created_at < sa.func.now() - self._grace)
                        .order_by(self._outbox.c.id)
                        .limit(self._batch_size)
                        .with_for_update(skip_locked=True)
                    )
                )
                .mappings()
                .all()
            )
            for row in rows:
                await self._publish(row)
            if rows:
                await conn.execute(
                    self._outbox.delete().where(self._outbox.c.id.in_([row["id"] for row in rows]))
                )
        return len(rows)

    async def _publish(self, row: Any) -> None:
        headers = row["headers"]
        token = context.attach(propagate.extract(headers))
        try:
            await self._broker.publish(
                row["body"],
                exchange=EXCHANGES[row["exchange"]],
                routing_key=row["routing_key"],
                message_id=str(row["event_id"]),
                correlation_id=headers.get(CORRELATION),
                content_type="application/json",
                message_type=row["routing_key"],
                headers={k: v for k, v in headers.items() if k in CONTEXT_HEADERS},
                persist=True,
                # support.escalations fans out to downstream subscribers; none bound is not a loss
                mandatory=row["exchange"] != ESCALATIONS.name,
            )
        finally:
            context.detach(token)
