"""Orchestrator settings (`ORCHESTRATOR_*`)."""

from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings


class OrchestratorSettings(ServiceSettings):
    """How turns are run."""

    model_config = SettingsConfigDict(
        env_prefix="ORCHESTRATOR_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "orchestrator"
    port: int = 8001
