"""Knowledge-base retrieval and ingestion events."""

from typing import Any, Literal

from pydantic import Field

from contracts.chat import Audience, Source
from contracts.embedding import Embedding
from contracts.envelope import Event, Model


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
    audiences: list[Audience] = Field(
        default=["customer"],
        description="Audiences whose passages may be returned in `chunks`.",
    )
    guidance_top_k: int = Field(
        default=0,
        ge=0,
        le=20,
        description="How many staff-only passages to return apart, in `guidance`.",
    )


class RequestMatch(Model):
    """One of the requests a message makes, and the passages that answer it."""

    text: str
    chunk_ids: list[str] = Field(
        default_factory=list, description="Its passages among `chunks`, best first."
    )
    confidence: float | None = Field(
        default=None, description="Cosine similarity of its best passage to the request (0-1)."
    )
    names: list[str] = Field(
        default_factory=list,
        description="Product names it mentions, as the knowledge base's titles spell them.",
    )


class RetrievalCompleted(Event):
    """Ranked passages for a query, best first."""

    event_type: Literal["retrieval.completed"] = "retrieval.completed"
    chunks: list[Source] = Field(default_factory=list)
    confidence: float | None = Field(
        default=None, description="Cosine similarity of the best passage to the query (0-1)."
    )
    guidance: list[Source] = Field(
        default_factory=list,
        description="Staff-only passages for the generator's guidance; never shown or cited.",
    )
    requests: list[RequestMatch] = Field(
        default_factory=list,
        description="The message's requests in the order asked (one for a simple question).",
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
    audience: Audience = "customer"


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
