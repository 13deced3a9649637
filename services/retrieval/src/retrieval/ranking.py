"""Dense and BM25 rankings: by Qdrant (server), or from memory (embedded mode)."""

import asyncio
import logging
from typing import Any, Protocol

import numpy as np
from qdrant_client import models

from retrieval.index import Hit, IndexUnavailable, KnowledgeIndex
from retrieval.tenant_index import TenantIndex

log = logging.getLogger(__name__)


class Ranker(Protocol):
    """Produces the rankings that search fuses; learns about index changes."""

    async def rank(
        self,
        *,
        tenant_id: str,
        session_id: str | None,
        metadata: dict[str, Any] | None,
        audiences: frozenset[str] | None,
        dense: np.ndarray | None,
        lexical: models.SparseVector | None,
        limit: int,
    ) -> list[list[Hit]]:
        """One ranking per query vector given (dense first), best first; only chunks of
        `audiences` (all if None)."""
        ...

    def apply(self, tenant_id: str, upserted: list[models.PointStruct], removed: list[str]) -> None:
        """Chunks written to or deleted from the index."""
        ...

    def load(self, records: list[models.Record]) -> None:
        """Every stored chunk, at start."""
        ...


class QdrantRanker:
    """Rankings computed by a Qdrant server (payload-indexed tenant filter, sparse index)."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self._index = index

    async def rank(self, **query: Any) -> list[list[Hit]]:
        """See `Ranker.rank`."""
        return await self._index.rank(**query)

    def apply(self, tenant_id: str, upserted: list[models.PointStruct], removed: list[str]) -> None:
        """Nothing to do: Qdrant already has the change."""

    def load(self, records: list[models.Record]) -> None:
        """Nothing to do: Qdrant holds every chunk."""


class MemoryRanker:
    """Rankings from each tenant's chunks held in memory; loaded from Qdrant at start."""

    def __init__(self, dimension: int) -> None:
        self._dimension = dimension
        self._tenants: dict[str, TenantIndex] = {}
        self._ready = asyncio.Event()

    def _tenant(self, tenant_id: str) -> TenantIndex:
        if tenant_id not in self._tenants:
            self._tenants[tenant_id] = TenantIndex(self._dimension)
        return self._tenants[tenant_id]

    def load(self, records: list[models.Record]) -> None:
        """Every stored chunk, with its vectors (once the index is open)."""
        by_tenant: dict[str, list[models.PointStruct]] = {}
        for record in records:
            payload = record.payload or {}
            point = models.PointStruct(id=record.id, vector=record.vector or {}, payload=payload)
            by_tenant.setdefault(payload.get("tenant_id", ""), []).append(point)
        for tenant_id, points in by_tenant.items():
            self._tenant(tenant_id).upsert(points)
        self._ready.set()
        log.info("loaded %d chunks of %d tenants into memory", len(records), len(by_tenant))

    async def rank(
        self,
        *,
        tenant_id: str,
        session_id: str | None,
        metadata: dict[str, Any] | None,
        audiences: frozenset[str] | None,
        dense: np.ndarray | None,
        lexical: models.SparseVector | None,
        limit: int,
    ) -> list[list[Hit]]:
        """See `Ranker.rank`; fails at once until the index has been loaded."""
        if not self._ready.is_set():
            raise IndexUnavailable("the index is not open")
        tenant = self._tenants.get(tenant_id)
        if tenant is None:
            return [[] for vector in (dense, lexical) if vector is not None]
        return tenant.rank(
            session_id=session_id,
            metadata=metadata,
            audiences=audiences,
            dense=dense,
            lexical=lexical,
            limit=limit,
        )

    def apply(self, tenant_id: str, upserted: list[models.PointStruct], removed: list[str]) -> None:
        """Keep memory in step with what this process wrote."""
        tenant = self._tenant(tenant_id)
        tenant.remove(removed)
        tenant.upsert(upserted)
