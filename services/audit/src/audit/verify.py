"""Verification of a tenant's hash chain from a consistent snapshot of the store."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.chain import GENESIS, ChainWalk
from audit.models import chain_checkpoints, chain_heads, records
from contracts import AuditVerifyCompleted, AuditVerifyRequested

BATCH = 1000


async def verify_chain(engine: AsyncEngine, request: AuditVerifyRequested) -> AuditVerifyCompleted:
    """Walk the tenant's records in id order from the retention checkpoint (or the genesis)."""
    tenant = request.tenant_id
    async with engine.connect() as conn:
        # One snapshot: records appended or pruned meanwhile cannot look like a broken chain.
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            checkpoint = (
                await conn.execute(
                    sa.select(chain_checkpoints).where(chain_checkpoints.c.tenant_id == tenant)
                )
            ).first()
            head = (
                await conn.execute(sa.select(chain_heads).where(chain_heads.c.tenant_id == tenant))
            ).first()
            walk = ChainWalk(checkpoint.pruned_through_hash if checkpoint else GENESIS)
            rows = await conn.stream(
                sa.select(records)
                .where(records.c.tenant_id == tenant)
                .order_by(records.c.id)
                .execution_options(yield_per=BATCH)
            )
            async for row in rows.mappings():
                if not walk.feed(row):
                    break
            await rows.close()
    walk.finish(head.last_id if head else None, head.last_hash if head else None)
    return request.follow(
        AuditVerifyCompleted,
        ok=walk.broken is None,
        checked=walk.checked,
        first_broken=walk.broken,
        head_id=head.last_id if head else None,
        head_hash=head.last_hash if head else None,
        pruned_through_id=checkpoint.pruned_through_id if checkpoint else None,
    )
