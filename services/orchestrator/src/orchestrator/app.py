"""Orchestrator application factory."""

from pathlib import Path

from fastapi import FastAPI

from orchestrator import handlers
from orchestrator.components import OrchestratorComponents
from orchestrator.models import metadata
from orchestrator.settings import OrchestratorSettings
from support_core.app import service_app
from support_core.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: OrchestratorSettings | None = None) -> FastAPI:
    """Build the orchestrator; it connects when the app starts."""
    settings = settings or OrchestratorSettings()
    runtime = ServiceRuntime(
        settings, metadata=metadata, migrations=MIGRATIONS, instance_route=True
    )
    handlers.register(runtime, OrchestratorComponents(runtime, settings))
    return service_app(runtime)
