"""What search knows about each tenant's documents besides their vectors: titles, the product
names they are about, and how common each term is, kept in step with the index.

Title coverage is the share of a document's title terms the message uses, each weighted by its
inverse chunk frequency: a message that says "annual fee" and "gold rewards card" covers
"Gold Rewards Card: Fees" better than "Business Gold Rewards Card: Fees".
"""

import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from qdrant_client import models

from retrieval.catalogue import Catalogue
from retrieval.index import KB_SCOPE, LEXICAL
from retrieval.lexical import LexicalEncoder

CATALOGUE_REFRESH_SECONDS = 2.0


@dataclass
class DocumentInfo:
    """One document as its chunks describe it."""

    title: str
    title_terms: frozenset[int]
    chunks: dict[str, tuple[str, frozenset[int]]] = field(default_factory=dict)


class TenantProfile:
    """One tenant's documents: titles, term frequencies and the product catalogue."""

    def __init__(self, lexical: LexicalEncoder) -> None:
        self._lexical = lexical
        self._documents: dict[str, DocumentInfo] = {}
        self._document_of: dict[str, str] = {}
        self._frequency: Counter[int] = Counter()
        self._catalogue = Catalogue()
        self._stale = False
        self._built_at = 0.0

    def upsert(self, point_id: str, payload: dict[str, Any], vector: Any) -> None:
        """Add or replace one chunk."""
        self.remove([point_id])
        document_id = payload["document_id"]
        info = self._documents.get(document_id)
        if info is None or info.title != payload["title"]:
            terms = frozenset(self._lexical.query(payload["title"]).indices)
            info = DocumentInfo(payload["title"], terms, info.chunks if info else {})
            self._documents[document_id] = info
        sparse = vector.get(LEXICAL) if isinstance(vector, dict) else None
        terms = (
            frozenset(sparse.indices) if isinstance(sparse, models.SparseVector) else frozenset()
        )
        info.chunks[point_id] = (payload.get("text", ""), terms)
        self._document_of[point_id] = document_id
        self._frequency.update(terms)
        self._stale = True

    def remove(self, point_ids: Iterable[str]) -> None:
        """Drop chunks (unknown ids are ignored)."""
        for point_id in point_ids:
            document_id = self._document_of.pop(point_id, None)
            if document_id is None:
                continue
            info = self._documents[document_id]
            _, terms = info.chunks.pop(point_id)
            self._frequency.subtract(terms)
            if not info.chunks:
                del self._documents[document_id]
            self._stale = True

    @property
    def catalogue(self) -> Catalogue:
        """The product names, rebuilt at most every few seconds while documents change."""
        now = time.monotonic()
        if self._stale and now - self._built_at >= CATALOGUE_REFRESH_SECONDS:
            self._catalogue = Catalogue.build(
                (doc_id, info.title, "\n".join(text for text, _ in info.chunks.values()))
                for doc_id, info in self._documents.items()
            )
            self._stale, self._built_at = False, now
        return self._catalogue

    def title_coverage(self, document_id: str, query_terms: set[int]) -> float:
        """The rarity-weighted share of the document's title terms the query uses (0-1)."""
        info = self._documents.get(document_id)
        if info is None or not info.title_terms:
            return 0.0
        total = max(len(self._document_of), 1)
        weights = {
            term: math.log(1 + total / (self._frequency[term] + 1)) for term in info.title_terms
        }
        covered = sum(weight for term, weight in weights.items() if term in query_terms)
        return covered / sum(weights.values())


class Profiles:
    """Every tenant's profile, fed with the same changes as the index."""

    def __init__(self, lexical: LexicalEncoder) -> None:
        self._lexical = lexical
        self._tenants: dict[str, TenantProfile] = {}

    def tenant(self, tenant_id: str) -> TenantProfile:
        """The tenant's profile (empty if it has no documents)."""
        if tenant_id not in self._tenants:
            self._tenants[tenant_id] = TenantProfile(self._lexical)
        return self._tenants[tenant_id]

    def apply(self, tenant_id: str, upserted: list[models.PointStruct], removed: list[str]) -> None:
        """Chunks written to or deleted from the index (session attachments are left out:
        they are not the knowledge base)."""
        profile = self.tenant(tenant_id)
        profile.remove(removed)
        for point in upserted:
            payload = dict(point.payload or {})
            if (payload.get("session_id") or KB_SCOPE) == KB_SCOPE:
                profile.upsert(str(point.id), payload, point.vector)

    def load(self, records: Iterable[models.Record]) -> None:
        """Every stored chunk, at start."""
        for record in records:
            payload = record.payload or {}
            point = models.PointStruct(id=record.id, vector=record.vector or {}, payload=payload)
            self.apply(payload.get("tenant_id", ""), [point], [])
