"""The retrieval service's parts, built when the service starts."""

import asyncio
import logging

from retrieval.cache import ResultCache
from retrieval.index import EmbeddingModelMismatch, IndexUnavailable, KnowledgeIndex
from retrieval.ingest import PointBuilder
from retrieval.lexical import LexicalEncoder
from retrieval.ranking import MemoryRanker, QdrantRanker, Ranker
from retrieval.search import Searcher
from retrieval.service import KnowledgeBase
from retrieval.settings import RetrievalSettings
from support_core.observability.health import ReadinessCheck
from support_core.runtime import ServiceRuntime
from support_embeddings import Embedder

log = logging.getLogger(__name__)
REOPEN_SECONDS = 5.0


class RetrievalComponents:
    """Embedder, index, searcher and knowledge base; the index is reopened until it works."""

    def __init__(self, runtime: ServiceRuntime, settings: RetrievalSettings) -> None:
        self._runtime = runtime
        self._settings = settings
        self._index: KnowledgeIndex | None = None
        self._index_error: str | None = "starting"
        self._knowledge_base: KnowledgeBase | None = None
        self._embedder: Embedder | None = None
        self._searcher: Searcher | None = None
        self._in_memory = False
        runtime.on_start(self.start)
        runtime.on_stop(self.stop)
        runtime.extra_checks.append(ReadinessCheck("qdrant", self.check_index))

    @property
    def knowledge_base(self) -> KnowledgeBase:
        """The service logic (available once started)."""
        assert self._knowledge_base is not None, "retrieval not started"
        return self._knowledge_base

    async def start(self) -> None:
        """Load the models, open the index (or keep trying), start the expiry job."""
        settings = self._settings
        embedder = self._embedder = await asyncio.to_thread(Embedder, settings.embedding)
        lexical = LexicalEncoder()
        index = self._index = KnowledgeIndex(
            settings.qdrant, collection=settings.collection, model=embedder.info
        )
        in_memory = settings.search_backend == "memory" or (
            settings.search_backend == "auto" and not settings.qdrant.url
        )
        ranker: Ranker = MemoryRanker(embedder.info.dimension) if in_memory else QdrantRanker(index)
        self._in_memory = in_memory
        self._searcher = Searcher(ranker, embedder, lexical)
        self._knowledge_base = KnowledgeBase(
            index=index,
            builder=PointBuilder(
                embedder, lexical, budget=settings.chunk_tokens, overlap=settings.overlap_tokens
            ),
            searcher=self._searcher,
            cache=ResultCache(
                self._runtime.redis,
                self._runtime.keys,
                self._runtime.redis_guard,
                ttl_seconds=settings.cache_ttl_seconds,
            ),
            outbox=self._runtime.outbox,
            max_document_bytes=settings.max_document_bytes,
            metrics=self._runtime.metrics,
        )
        if not await self._open_index():
            self._runtime.background(self._reopen_until_open())
        self._runtime.background(self._purge_forever())

    async def _open_index(self) -> bool:
        assert self._index is not None and self._searcher is not None
        try:
            await self._index.open()
        except EmbeddingModelMismatch:
            raise
        except IndexUnavailable as exc:
            self._index_error = str(exc)
            log.error("knowledge index unavailable: %s", exc)
            return False
        # Search keeps titles and term counts of every chunk (and, in memory mode, its vectors).
        records = await self._index.all_points(vectors=True if self._in_memory else ["lexical"])
        self._searcher.load(records)
        self._index_error = None
        return True

    async def _reopen_until_open(self) -> None:
        while not await self._open_index():
            await asyncio.sleep(REOPEN_SECONDS)

    async def _purge_forever(self) -> None:
        while True:
            await asyncio.sleep(self._settings.purge_interval_seconds)
            if self._index_error is None:
                try:
                    purged = await self.knowledge_base.purge_expired()
                except Exception:
                    log.exception("purging expired attachments failed")
                else:
                    if purged:
                        log.info("purged %d expired attachments", purged)

    async def check_index(self) -> str | None:
        """Readiness: the index is open and answers."""
        if self._index_error is not None or self._index is None:
            raise IndexUnavailable(self._index_error or "not open")
        return await self._index.check()

    async def stop(self) -> None:
        """Close the index and the embedder's worker."""
        if self._index is not None:
            await self._index.close()
        if self._embedder is not None:
            self._embedder.close()
