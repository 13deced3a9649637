"""Retrieval settings (`RETRIEVAL_*`)."""

from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings


class RetrievalSettings(ServiceSettings):
    """Settings of the retrieval service."""

    model_config = SettingsConfigDict(
        env_prefix="RETRIEVAL_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "retrieval"
    port: int = 8002
