"""Subscribers of the audit service."""

from audit.service import AuditTrail
from support_core.runtime import ServiceRuntime


def register(runtime: ServiceRuntime, trail: AuditTrail) -> None:
    """Consume every event on `support.events`."""

    @runtime.raw_consumer("#", name="all")
    async def on_event(body: bytes) -> None:
        await trail.record(body)
