"""Memory application factory."""

import asyncio
from contextlib import AsyncExitStack
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from memory import handlers
from memory.extract import load_extractor
from memory.models import metadata
from memory.service import MemoryStore
from memory.settings import MemorySettings
from support_core.app import service_app
from support_core.periodic import every
from support_core.runtime import ServiceRuntime
from support_core.started import Started
from support_embeddings import Embedder

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: MemorySettings | None = None) -> FastAPI:
    """Build the memory service; it connects and loads its model when the app starts."""
    settings = settings or MemorySettings()
    runtime = ServiceRuntime(settings, metadata=metadata, migrations=MIGRATIONS)
    handlers.register(runtime, Started(runtime, partial(build, runtime, settings)))
    return service_app(runtime)


async def build(
    runtime: ServiceRuntime, settings: MemorySettings, stack: AsyncExitStack
) -> MemoryStore:
    """Load the embedding model, build the store, start the retention and usage jobs."""
    embedder = await asyncio.to_thread(Embedder, settings.embedding)
    stack.callback(embedder.close)
    store = MemoryStore(
        outbox=runtime.outbox,
        embedder=embedder,
        extractor=load_extractor(settings.extractor),
        settings=settings,
    )
    runtime.background(
        every(settings.retention_interval_seconds, store.purge_expired, "fact retention")
    )
    runtime.background(store.usage.run_forever())
    return store
