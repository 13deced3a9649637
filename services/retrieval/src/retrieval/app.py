"""Retrieval application factory."""

import asyncio
from contextlib import AsyncExitStack
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from retrieval import handlers
from retrieval.cache import ResultCache
from retrieval.index import KnowledgeIndex
from retrieval.index_opener import IndexOpener
from retrieval.ingest import PointBuilder
from retrieval.lexical import LexicalEncoder
from retrieval.models import metadata
from retrieval.ranking import MemoryRanker, QdrantRanker, Ranker
from retrieval.search import Searcher
from retrieval.service import KnowledgeBase
from retrieval.settings import RetrievalSettings
from support_core.app import service_app
from support_core.observability.health import ReadinessCheck
from support_core.periodic import every
from support_core.runtime import ServiceRuntime
from support_core.started import Started
from support_embeddings import Embedder

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: RetrievalSettings | None = None) -> FastAPI:
    """Build the retrieval service; it connects and loads its models when the app starts."""
    settings = settings or RetrievalSettings()
    runtime = ServiceRuntime(settings, metadata=metadata, migrations=MIGRATIONS)
    knowledge_base = Started(runtime, partial(build, runtime, settings))
    handlers.register(runtime, knowledge_base, ingest_prefetch=settings.ingest_prefetch)
    return service_app(runtime)


async def build(
    runtime: ServiceRuntime, settings: RetrievalSettings, stack: AsyncExitStack
) -> KnowledgeBase:
    """Load the models, open the index (or keep trying), start the expiry job."""
    embedder = await asyncio.to_thread(Embedder, settings.embedding)
    stack.callback(embedder.close)
    lexical = LexicalEncoder()
    index = KnowledgeIndex(settings.qdrant, collection=settings.collection, model=embedder.info)
    stack.push_async_callback(index.close)
    in_memory = settings.search_backend == "memory" or (
        settings.search_backend == "auto" and not settings.qdrant.url
    )
    ranker: Ranker = MemoryRanker(embedder.info.dimension) if in_memory else QdrantRanker(index)
    searcher = Searcher(ranker, embedder, lexical)
    knowledge_base = KnowledgeBase(
        index=index,
        builder=PointBuilder(
            embedder, lexical, budget=settings.chunk_tokens, overlap=settings.overlap_tokens
        ),
        searcher=searcher,
        cache=ResultCache(
            runtime.redis, runtime.keys, runtime.redis_guard, ttl_seconds=settings.cache_ttl_seconds
        ),
        outbox=runtime.outbox,
        max_document_bytes=settings.max_document_bytes,
        metrics=runtime.metrics,
    )
    opener = IndexOpener(index, searcher, in_memory=in_memory)
    runtime.extra_checks.append(ReadinessCheck("qdrant", opener.check))
    if not await opener.open():
        runtime.background(opener.reopen_until_open())

    async def purge_while_open() -> int:
        return await knowledge_base.purge_expired() if opener.error is None else 0

    runtime.background(
        every(settings.purge_interval_seconds, purge_while_open, "expired attachments purge")
    )
    return knowledge_base
