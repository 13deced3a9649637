"""Retrieval application factory."""

from pathlib import Path

from fastapi import FastAPI

from retrieval import handlers
from retrieval.components import RetrievalComponents
from retrieval.models import metadata
from retrieval.settings import RetrievalSettings
from support_core.app import service_app
from support_core.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: RetrievalSettings | None = None) -> FastAPI:
    """Build the retrieval service; it connects and loads its models when the app starts."""
    settings = settings or RetrievalSettings()
    runtime = ServiceRuntime(settings, metadata=metadata, migrations=MIGRATIONS)
    parts = RetrievalComponents(runtime, settings)
    handlers.register(runtime, parts, ingest_prefetch=settings.ingest_prefetch)
    return service_app(runtime)
