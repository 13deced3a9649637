"""Escalation settings (`ESCALATION_*`, plus `EMBEDDING_*` for the request classifier)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings
from support_embeddings import EmbeddingSettings


class EscalationSettings(ServiceSettings):
    """Settings of the escalation service."""

    model_config = SettingsConfigDict(
        env_prefix="ESCALATION_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "escalation"
    port: int = 8004
    classifier: bool = Field(
        default=True,
        description="Load the embedding model that recognises requests for a person worded in "
        "ways no phrase foresees (else phrases only).",
    )
    policy_refresh_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long an instance assesses with a tenant's policy before reading it "
        "again (a change made through another instance applies within this time).",
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
