"""Memory application factory."""

from pathlib import Path

from fastapi import FastAPI

from memory import handlers
from memory.components import MemoryComponents
from memory.models import metadata
from memory.settings import MemorySettings
from support_core.app import service_app
from support_core.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: MemorySettings | None = None) -> FastAPI:
    """Build the memory service; it connects and loads its model when the app starts."""
    settings = settings or MemorySettings()
    runtime = ServiceRuntime(settings, metadata=metadata, migrations=MIGRATIONS)
    handlers.register(runtime, MemoryComponents(runtime, settings))
    return service_app(runtime)
