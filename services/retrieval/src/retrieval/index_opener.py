"""Opening the knowledge index, and opening it again until it works."""

import asyncio
import logging

from retrieval.index import EmbeddingModelMismatch, IndexUnavailable, KnowledgeIndex
from retrieval.search import Searcher

log = logging.getLogger(__name__)
REOPEN_SECONDS = 5.0


class IndexOpener:
    """Opens the index and loads the searcher from it; readiness says why it is not open."""

    def __init__(self, index: KnowledgeIndex, searcher: Searcher, *, in_memory: bool) -> None:
        self._index = index
        self._searcher = searcher
        self._in_memory = in_memory
        self.error: str | None = "starting"

    async def open(self) -> bool:
        """Open the index and load what search keeps in memory; False while it is unavailable."""
        try:
            await self._index.open()
        except EmbeddingModelMismatch:
            raise
        except IndexUnavailable as exc:
            self.error = str(exc)
            log.error("knowledge index unavailable: %s", exc)
            return False
        # Search keeps titles and term counts of every chunk (and, in memory mode, its vectors).
        records = await self._index.all_points(vectors=True if self._in_memory else ["lexical"])
        self._searcher.load(records)
        self.error = None
        return True

    async def reopen_until_open(self) -> None:
        """Try again every few seconds."""
        while not await self.open():
            await asyncio.sleep(REOPEN_SECONDS)

    async def check(self) -> str | None:
        """Readiness: the index is open and answers."""
        if self.error is not None:
            raise IndexUnavailable(self.error)
        return await self._index.check()
