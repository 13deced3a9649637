"""The retention policy: delete the oldest records of each chain, keeping it verifiable.

Only a prefix of a tenant's chain (in id order) is ever deleted, and only while every record
in it is older than the retention period, so the chain never gets a hole. The id and hash of
the last deleted record go into `chain_checkpoints`; verification starts from that hash, and a
record deleted any other way still breaks the chain. The analytics' read models keep what is
younger than the same period.
"""

import asyncio
import logging
import zlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.models import (
    chain_checkpoints,
    chain_heads,
    csat_facts,
    escalation_facts,
    rating_facts,
    records,
    turn_facts,
)
from contracts import utcnow

log = logging.getLogger(__name__)


class Retention:
    """Deletes records older than `days`, in batches, every `interval` seconds."""

    def __init__(self, engine: AsyncEngine, *, days: float, interval: float, batch: int) -> None:
        self._engine = engine
        self._days = days
        self._interval = interval
        self._batch = batch

    async def run_forever(self) -> None:
        """Prune, sleep, repeat until cancelled."""
        while True:
            try:
                pruned = await self.prune()
                if pruned:
                    log.info("retention deleted %d audit records", pruned)
            except Exception:
                log.exception("audit retention failed; retrying")
            await asyncio.sleep(self._interval)

    async def prune(self) -> int:
        """Delete every tenant's expired prefix; return how many records went."""
        cutoff = utcnow() - timedelta(days=self._days)
        async with self._engine.connect() as conn:
            tenants = (await conn.execute(sa.select(chain_heads.c.tenant_id))).scalars().all()
        total = 0
        for tenant in tenants:
            while (deleted := await self._prune_batch(tenant, cutoff)) > 0:
                total += deleted
        async with self._engine.begin() as conn:
            for table, when in (
                (turn_facts, turn_facts.c.completed_at),
                (escalation_facts, escalation_facts.c.created_at),
                (rating_facts, rating_facts.c.rated_at),
                (csat_facts, csat_facts.c.rated_at),
            ):
                await conn.execute(table.delete().where(when < cutoff))
        return total

    async def _prune_batch(self, tenant: str, cutoff: datetime) -> int:
        async with self._engine.begin() as conn:
            # Replicas prune a tenant one at a time; appends to the chain are not blocked.
            lock_key = zlib.crc32(f"audit.retention:{tenant}".encode())
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key)))
            oldest = (
                await conn.execute(
                    sa.select(records.c.id, records.c.hash, records.c.occurred_at)
                    .where(records.c.tenant_id == tenant)
                    .order_by(records.c.id)
                    .limit(self._batch)
                )
            ).all()
            expired = []
            for row in oldest:
                if row.occurred_at >= cutoff:
                    break
                expired.append(row)
            if not expired:
                return 0
            last = expired[-1]
            await conn.execute(
                records.delete().where(records.c.tenant_id == tenant, records.c.id <= last.id)
            )
            now = utcnow()
            await conn.execute(
                insert(chain_checkpoints)
                .values(
                    tenant_id=tenant,
                    pruned_through_id=last.id,
                    pruned_through_hash=last.hash,
                    pruned_count=len(expired),
                    pruned_at=now,
                )
                .on_conflict_do_update(
                    index_elements=[chain_checkpoints.c.tenant_id],
                    set_={
                        "pruned_through_id": last.id,
                        "pruned_through_hash": last.hash,
                        "pruned_count": chain_checkpoints.c.pruned_count + len(expired),
                        "pruned_at": now,
                    },
                )
            )
        return len(expired)
