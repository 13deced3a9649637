"""Escalation settings (`ESCALATION_*`)."""

from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings


class EscalationSettings(ServiceSettings):
    """Settings of the escalation service."""

    model_config = SettingsConfigDict(
        env_prefix="ESCALATION_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "escalation"
    port: int = 8004
