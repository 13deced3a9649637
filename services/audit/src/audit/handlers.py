"""Subscribers of the audit service."""

from audit.analytics import summary
from audit.gaps import gaps
from audit.queries import query_records
from audit.service import AuditTrail
from audit.verify import verify_chain
from contracts import (
    AuditGapsRequested,
    AuditQueryRequested,
    AuditSummaryRequested,
    AuditVerifyRequested,
    TurnCompleted,
)
from support_core.runtime import ServiceRuntime


def register(runtime: ServiceRuntime, trail: AuditTrail) -> None:
    """Record the audited events (support_core.messaging.catalogue.AUDITED); answer auditors'
    queries and chain checks, and admins' analytics."""

    @runtime.raw_consumer(TurnCompleted.routing_key(), name="all")
    async def on_event(body: bytes) -> None:
        await trail.record(body)

    @runtime.consumer(AuditQueryRequested)
    async def on_query(request: AuditQueryRequested) -> None:
        await runtime.publisher.reply(request, await query_records(runtime.engine, request))

    @runtime.consumer(AuditVerifyRequested)
    async def on_verify(request: AuditVerifyRequested) -> None:
        await runtime.publisher.reply(request, await verify_chain(runtime.engine, request))

    @runtime.consumer(AuditSummaryRequested)
    async def on_summary(request: AuditSummaryRequested) -> None:
        await runtime.publisher.reply(request, await summary(runtime.engine, request))

    @runtime.consumer(AuditGapsRequested)
    async def on_gaps(request: AuditGapsRequested) -> None:
        await runtime.publisher.reply(request, await gaps(runtime.engine, request))
