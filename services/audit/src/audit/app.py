"""Audit application factory."""

from contextlib import AsyncExitStack
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from audit import handlers
from audit.models import metadata
from audit.retention import Retention
from audit.service import AuditTrail
from audit.settings import AuditSettings
from support_core.app import service_app
from support_core.runtime import ServiceRuntime
from support_core.started import Started

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: AuditSettings | None = None) -> FastAPI:
    """Build the audit service; it connects when the app starts."""
    settings = settings or AuditSettings()
    runtime = ServiceRuntime(settings, metadata=metadata, migrations=MIGRATIONS)
    handlers.register(runtime, Started(runtime, partial(build, runtime, settings)))
    return service_app(runtime)


async def build(
    runtime: ServiceRuntime, settings: AuditSettings, stack: AsyncExitStack
) -> AuditTrail:
    """The trail and its group-commit writer; the retention job when configured."""
    trail = AuditTrail(runtime.outbox, runtime.engine, runtime.metrics)
    runtime.background(trail.write_forever())
    if settings.retention_days is not None:
        retention = Retention(
            runtime.engine,
            days=settings.retention_days,
            interval=settings.retention_interval_seconds,
            batch=settings.retention_batch,
        )
        runtime.background(retention.run_forever())
    return trail
