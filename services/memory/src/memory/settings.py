"""Memory settings (`MEMORY_*`, plus `EMBEDDING_*`)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings
from support_embeddings import EmbeddingSettings


class MemorySettings(ServiceSettings):
    """History, customer facts and their retention."""

    model_config = SettingsConfigDict(
        env_prefix="MEMORY_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "memory"
    port: int = 8003
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    extractor: str = Field(
        default="rules",
        description="`rules`, or `package.module:Class` implementing memory.extract.FactExtractor",
    )
    max_facts_per_customer: int = Field(default=200, ge=1)
    fact_ttl_days: float = Field(default=365, gt=0)
    half_life_days: float = Field(default=30, gt=0)
    retention_interval_seconds: float = Field(default=3600, gt=0)
    access_flush_seconds: float = Field(
        default=1.0, gt=0, description="How often recalled facts' usage counts are written"
    )
    deleted_fact_grace_days: float = Field(default=30, ge=0)
