"""Audit settings (`AUDIT_*`)."""

from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    """How the audit trail is kept."""

    model_config = SettingsConfigDict(
        env_prefix="AUDIT_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "audit"
    port: int = 8005
