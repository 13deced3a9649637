"""Escalation application factory."""

from pathlib import Path

from fastapi import FastAPI

from escalation import handlers
from escalation.components import EscalationComponents
from escalation.models import metadata
from escalation.settings import EscalationSettings
from support_core.app import service_app
from support_core.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: EscalationSettings | None = None) -> FastAPI:
    """Build the escalation service; it connects when the app starts."""
    settings = settings or EscalationSettings()
    runtime = ServiceRuntime(settings, metadata=metadata, migrations=MIGRATIONS)
    handlers.register(runtime, EscalationComponents(runtime, settings))
    return service_app(runtime)
