"""Auditors' queries: a tenant's records by session, ticket, id or time, in pages."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.models import records
from contracts import AuditCursor, AuditQueryCompleted, AuditQueryRequested, AuditRecord


def conditions(request: AuditQueryRequested) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of a request; the tenant always comes from the request's envelope."""
    wanted = request.filter
    clauses = [records.c.tenant_id == request.tenant_id]
    if wanted.session_id is not None:
        clauses.append(records.c.session_id == wanted.session_id)
    if wanted.ticket_id is not None:
        clauses.append(records.c.ticket_id == wanted.ticket_id)
    if wanted.record_id is not None:
        clauses.append(records.c.id == wanted.record_id)
    if wanted.since is not None:
        clauses.append(records.c.occurred_at >= wanted.since)
    if wanted.until is not None:
        clauses.append(records.c.occurred_at < wanted.until)
    if request.after is not None:
        clauses.append(
            sa.tuple_(records.c.occurred_at, records.c.id)
            > sa.tuple_(sa.literal(request.after.occurred_at), sa.literal(request.after.id))
        )
    return clauses


def as_record(row: Any) -> AuditRecord:
    """The contract's view of a stored row."""
    return AuditRecord.model_validate(dict(row))


async def query_records(engine: AsyncEngine, request: AuditQueryRequested) -> AuditQueryCompleted:
    """One page in (occurred_at, id) order, and the cursor of the next page if there is one."""
    statement = (
        sa.select(records)
        .where(*conditions(request))
        .order_by(records.c.occurred_at, records.c.id)
        .limit(request.limit + 1)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(statement)).mappings().all()
    page = [as_record(row) for row in rows[: request.limit]]
    more = len(rows) > request.limit
    return request.follow(
        AuditQueryCompleted,
        records=page,
        next=AuditCursor(occurred_at=page[-1].occurred_at, id=page[-1].id) if more else None,
    )
