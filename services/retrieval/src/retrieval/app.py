"""Retrieval application factory."""

from pathlib import Path

from fastapi import FastAPI

from retrieval.models import metadata
from retrieval.settings import RetrievalSettings
from support_core.app import service_app
from support_core.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: RetrievalSettings | None = None) -> FastAPI:
    """Build the retrieval service; it connects when the app starts."""
    settings = settings or RetrievalSettings()
    runtime = ServiceRuntime(settings, metadata=metadata, migrations=MIGRATIONS)
    return service_app(runtime)
