"""The memory service's parts, built when the service starts."""

import asyncio
import logging

from memory.extract import load_extractor
from memory.service import MemoryStore
from memory.settings import MemorySettings
from support_core.runtime import ServiceRuntime
from support_embeddings import Embedder

log = logging.getLogger(__name__)


class MemoryComponents:
    """The embedder, the extractor and the store; plus the retention job."""

    def __init__(self, runtime: ServiceRuntime, settings: MemorySettings) -> None:
        self._runtime = runtime
        self._settings = settings
        self._store: MemoryStore | None = None
        self._embedder: Embedder | None = None
        runtime.on_start(self.start)
        runtime.on_stop(self.stop)

    @property
    def store(self) -> MemoryStore:
        """The service logic (available once started)."""
        assert self._store is not None, "memory not started"
        return self._store

    async def start(self) -> None:
        """Load the embedding model and start the retention job."""
        self._embedder = await asyncio.to_thread(Embedder, self._settings.embedding)
        self._store = MemoryStore(
            outbox=self._runtime.outbox,
            embedder=self._embedder,
            extractor=load_extractor(self._settings.extractor),
            settings=self._settings,
        )
        self._runtime.background(self._retain_forever())
        self._runtime.background(self._store.usage.run_forever())

    async def _retain_forever(self) -> None:
        while True:
            await asyncio.sleep(self._settings.retention_interval_seconds)
            try:
                purged = await self.store.purge_expired()
            except Exception:
                log.exception("fact retention failed")
            else:
                if purged:
                    log.info("retention purged %d facts", purged)

    async def stop(self) -> None:
        """Stop the embedder's worker."""
        if self._embedder is not None:
            self._embedder.close()
