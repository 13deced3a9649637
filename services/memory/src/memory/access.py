"""Fact usage (access count, last access), written in coalesced batches off the recall path."""

import asyncio
import logging
import uuid
from collections import Counter

import sqlalchemy as sa

from contracts import utcnow
from memory.models import facts
from support_core.messaging.outbox import Outbox

log = logging.getLogger(__name__)


class AccessRecorder:
    """Counts recalled facts in memory and adds the counts to the table every `interval`.

    One ordered UPDATE per flush instead of one per recall: concurrent recalls of the same
    customer's facts would otherwise queue on the same row locks (and deadlock across replicas).
    Usage statistics only rank facts, so a crash loses at most one interval of them.
    """

    def __init__(self, outbox: Outbox, *, interval: float) -> None:
        self._outbox = outbox
        self._interval = interval
        self._pending: Counter[uuid.UUID] = Counter()

    def note(self, fact_ids: list[uuid.UUID]) -> None:
        """Count one use of each fact."""
        self._pending.update(fact_ids)

    async def flush(self) -> None:
        """Write the counts gathered so far."""
        if not self._pending:
            return
        batch, self._pending = self._pending, Counter()
        used = sa.values(sa.column("id", sa.Uuid), sa.column("uses", sa.Integer), name="used").data(
            sorted(batch.items())
        )
        async with self._outbox.unit_of_work() as uow:
            await uow.conn.execute(
                facts.update()
                .where(facts.c.id == used.c.id)
                .values(access_count=facts.c.access_count + used.c.uses, last_accessed_at=utcnow())
            )

    async def run_forever(self) -> None:
        """Flush every interval until cancelled, then once more."""
        try:
            while True:
                await asyncio.sleep(self._interval)
                try:
                    await self.flush()
                except Exception:
                    log.exception("could not record fact usage")
        finally:
            await asyncio.shield(self.flush())
