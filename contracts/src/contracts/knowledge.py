"""Knowledge-base retrieval and ingestion events."""

from typing import Any, Literal

from pydantic import Field

from contracts.chat import Source
from contracts.embedding import Embedding
from contracts.envelope import Event


class RetrievalRequested(Event):
    """Find passages for a query."""

    event_type: Literal["retrieval.requested"] = "retrieval.requested"
    query: str
    top_k: int = 5
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    filters: dict[str, Any] = Field(default_factory=dict)
    embedding: Embedding | None = Field(
        default=None,
        description="The embedding of `query`, when the sender made one (else it is made here).",
    )


class RetrievalCompleted(Event):
    """Ranked passages for a query, best first."""

    event_type: Literal["retrieval.completed"] = "retrieval.completed"
    chunks: list[Source] = Field(default_factory=list)
    confidence: float | None = Field(
        default=None, description="Cosine similarity of the best passage to the query (0-1)."
    )
    cached: bool = False
    error: str | None = None


class DocumentIngestRequested(Event):
    """A document was submitted for indexing; `session_id` set means a session attachment."""

    event_type: Literal["document.ingest.requested"] = "document.ingest.requested"
    document_id: str
    title: str
    content_type: str
    content_b64: str
    source_url: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class DocumentIngested(Event):
    """A document was indexed (or was already indexed unchanged)."""

    event_type: Literal["document.ingested"] = "document.ingested"
    document_id: str
    title: str
    chunk_count: int
    content_hash: str
    unchanged: bool = False


class DocumentIngestFailed(Event):
    """A document could not be indexed."""

    event_type: Literal["document.ingest.failed"] = "document.ingest.failed"
    document_id: str
    reason: str


class DocumentDeleteRequested(Event):
    """An operator asked to remove a document."""

    event_type: Literal["document.delete.requested"] = "document.delete.requested"
    document_id: str


class DocumentDeleted(Event):
    """A document and its chunks were removed."""

    event_type: Literal["document.deleted"] = "document.deleted"
    document_id: str
