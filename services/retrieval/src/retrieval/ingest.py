"""From a document's text to the points of the index: chunks, dense and BM25 vectors."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qdrant_client import models

from retrieval.chunking import chunk_document
from retrieval.index import INTERNAL, KB_SCOPE
from retrieval.lexical import LexicalEncoder
from support_embeddings import Embedder

# Part of every content hash: a change to how documents are indexed re-indexes them when they
# are ingested again, even unchanged.
INDEXING = "staff-sections"


@dataclass(frozen=True)
class SourceDocument:
    """A document's extracted text and where it belongs."""

    tenant_id: str
    document_id: str
    title: str
    text: str
    session_id: str | None = None
    source_url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    expires_at: float | None = None
    audience: str = "customer"

    @property
    def scope(self) -> str:
        """What makes this document's chunk ids unique."""
        return "\x00".join((self.tenant_id, self.session_id or KB_SCOPE, self.document_id))

    def content_hash(self) -> str:
        """Changes whenever anything that ends up in the index changes."""
        digest = hashlib.sha256()
        for part in (
            self.title,
            self.text,
            self.source_url or "",
            repr(sorted(self.metadata.items())),
            self.audience,
            INDEXING,
        ):
            digest.update(part.encode())
            digest.update(b"\x00")
        return digest.hexdigest()


class PointBuilder:
    """Chunks a document and computes its vectors (CPU-bound: call from a worker thread)."""

    def __init__(
        self, embedder: Embedder, lexical: LexicalEncoder, *, budget: int, overlap: int
    ) -> None:
        self._embedder = embedder
        self._lexical = lexical
        self._budget = budget
        self._overlap = overlap

    def build(self, document: SourceDocument) -> list[models.PointStruct]:
        """The document's points, with stable ids."""
        return self.build_many([document])[0]

    def build_many(self, documents: Sequence[SourceDocument]) -> list[list[models.PointStruct]]:
        """Points of several documents, embedded together in batches."""
        per_document = [
            chunk_document(
                d.scope,
                d.text,
                count=self._embedder.token_count,
                budget=self._budget,
                overlap=self._overlap,
            )
            for d in documents
        ]
        texts = [
            chunk.embedding_text(d.title)
            for d, chunks in zip(documents, per_document, strict=True)
            for chunk in chunks
        ]
        dense = iter(self._embedder.embed_sync(texts))
        sparse = iter(self._lexical.documents(texts))
        built = []
        for document, chunks in zip(documents, per_document, strict=True):
            built.append(
                [
                    models.PointStruct(
                        id=chunk.chunk_id,
                        vector={"dense": next(dense).tolist(), "lexical": next(sparse)},
                        payload={
                            "tenant_id": document.tenant_id,
                            "session_id": document.session_id or KB_SCOPE,
                            "document_id": document.document_id,
                            "title": document.title,
                            "heading_path": list(chunk.heading_path),
                            "position": chunk.position,
                            "text": chunk.text,
                            "source_url": document.source_url,
                            "metadata": document.metadata,
                            "expires_at": document.expires_at,
                            "audience": INTERNAL if chunk.to_staff else document.audience,
                        },
                    )
                    for chunk in chunks
                ]
            )
        return built
