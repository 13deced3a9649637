"""Subscribers of the audit service."""

from audit.service import AuditTrail
from contracts import (
    AuditGapsRequested,
    AuditQueryRequested,
    AuditSummaryRequested,
    AuditVerifyRequested,
    TurnCompleted,
)
from support_core.runtime import ServiceRuntime
from support_core.started import Started


def register(runtime: ServiceRuntime, trail: Started[AuditTrail]) -> None:
    """Record the audited events (support_core.messaging.catalogue.AUDITED); answer auditors'
    queries and chain checks, and admins' analytics."""

    @runtime.raw_consumer(TurnCompleted.routing_key(), name="all")
    async def on_event(body: bytes) -> None:
        await trail.get().record(body)

    @runtime.consumer(AuditQueryRequested)
    async def on_query(request: AuditQueryRequested) -> None:
        await runtime.publisher.reply(request, await trail.get().query(request))

    @runtime.consumer(AuditVerifyRequested)
    async def on_verify(request: AuditVerifyRequested) -> None:
        await runtime.publisher.reply(request, await trail.get().verify(request))

    @runtime.consumer(AuditSummaryRequested)
    async def on_summary(request: AuditSummaryRequested) -> None:
        await runtime.publisher.reply(request, await trail.get().summary(request))

    @runtime.consumer(AuditGapsRequested)
    async def on_gaps(request: AuditGapsRequested) -> None:
        await runtime.publisher.reply(request, await trail.get().gaps(request))
