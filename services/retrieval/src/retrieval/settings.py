"""Retrieval settings (`RETRIEVAL_*`, plus `QDRANT_*` and `EMBEDDING_*`)."""

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from support_core.settings import QdrantSettings, ServiceSettings
from support_embeddings import EmbeddingSettings


class RetrievalSettings(ServiceSettings):
    """Knowledge-base indexing and search."""

    model_config = SettingsConfigDict(
        env_prefix="RETRIEVAL_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "retrieval"
    port: int = 8002
    qdrant: QdrantSettings = Field(default_factory=QdrantSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    collection: str = "knowledge"
    chunk_tokens: int = Field(default=128, ge=32, le=240)
    overlap_tokens: int = Field(default=24, ge=0, le=64)
    max_document_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    cache_ttl_seconds: int = Field(default=600, ge=0)
    purge_interval_seconds: float = Field(default=60.0, gt=0)
    ingest_prefetch: int = Field(default=2, ge=1, description="Documents indexed at once.")
    search_backend: Literal["auto", "memory", "qdrant"] = Field(
        default="auto",
        description="Who ranks: `memory` (embedded mode's default) or `qdrant` (a server's).",
    )
