"""Audit settings (`AUDIT_*`)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    """How the audit trail is kept."""

    model_config = SettingsConfigDict(
        env_prefix="AUDIT_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "audit"
    port: int = 8005
    retention_days: float | None = Field(
        default=365,
        gt=0,
        description="Records whose event is older than this are deleted; unset keeps them all.",
    )
    retention_interval_seconds: float = Field(
        default=3600, gt=0, description="How often the retention job runs."
    )
    retention_batch: int = Field(
        default=5000, ge=1, description="Records deleted per transaction by the retention job."
    )
