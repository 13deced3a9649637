"""Memory settings (`MEMORY_*`)."""

from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings


class MemorySettings(ServiceSettings):
    """Settings of the memory service."""

    model_config = SettingsConfigDict(
        env_prefix="MEMORY_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "memory"
    port: int = 8003
