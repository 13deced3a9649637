"""Group commit: many consumers' effects written in one transaction, each acked after it."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from contracts import Event
from support_core.messaging.outbox import Outbox, UnitOfWork

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class Pending(Generic[T]):
    """An item waiting to be written, and the handler waiting for the commit."""

    event: Event
    item: T
    done: asyncio.Future[None]


Writer = Callable[[UnitOfWork, list[tuple[Event, T]]], Awaitable[None]]


class GroupCommit(Generic[T]):
    """Handlers submit an item and wait; whatever queues up during one commit goes in the next.

    Under light load every item commits alone, as fast as before; under load one transaction
    (and one lock on shared rows such as a hash-chain head) serves a whole batch. Duplicate
    deliveries are dropped through the inbox in the same transaction.
    """

    def __init__(
        self, outbox: Outbox, *, consumer: str, write: Writer[T], max_batch: int = 256
    ) -> None:
        self._outbox = outbox
        self._consumer = consumer
        self._write = write
        self._max_batch = max_batch
        self._queue: asyncio.Queue[Pending[T]] = asyncio.Queue()

    async def submit(self, event: Event, item: T) -> None:
        """Return once the item is committed (or was a duplicate); raise if the write failed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(Pending(event, item, done))
        await done

    async def run_forever(self) -> None:
        """Write batches until cancelled."""
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit(batch)
            except Exception as exc:
                log.exception("group commit of %d items failed", len(batch))
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)
            else:
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_result(None)

    async def _commit(self, batch: list[Pending[T]]) -> None:
        unique = list({p.event.event_id: p for p in batch}.values())
        async with self._outbox.unit_of_work() as uow:
            fresh = await uow.claim(self._consumer, [p.event.event_id for p in unique])
            todo = [(p.event, p.item) for p in unique if p.event.event_id in fresh]
            if todo:
                await self._write(uow, todo)
