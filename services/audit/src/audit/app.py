"""Audit application factory."""

from pathlib import Path

from fastapi import FastAPI

from audit import handlers
from audit.models import metadata
from audit.retention import Retention
from audit.service import AuditTrail
from audit.settings import AuditSettings
from support_core.app import service_app
from support_core.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: AuditSettings | None = None) -> FastAPI:
    """Build the audit service; it connects when the app starts."""
    settings = settings or AuditSettings()
    runtime = ServiceRuntime(settings, metadata=metadata, migrations=MIGRATIONS)
    handlers.register(runtime, AuditTrail(runtime))
    if settings.retention_days is not None:
        days = settings.retention_days

        async def start_retention() -> None:
            retention = Retention(
                runtime.engine,
                days=days,
                interval=settings.retention_interval_seconds,
                batch=settings.retention_batch,
            )
            runtime.background(retention.run_forever())

        runtime.on_start(start_retention)
    return service_app(runtime)
