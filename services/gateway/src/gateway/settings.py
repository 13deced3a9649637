"""Gateway settings (`GATEWAY_*`)."""

from limits import parse
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"
DEV_API_KEY = "sk_demo_dev_only_change_me"
DEV_WIDGET_KEY = "pk_demo_dev_only"


class GatewaySettings(ServiceSettings):
    """Auth, limits and the WebSocket protocol."""

    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "gateway"
    port: int = 8000
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    session_ttl_seconds: int = Field(default=86400, ge=60)
    token_ttl_seconds: int = Field(default=3600, ge=1)
    max_frame_bytes: int = Field(default=16384, ge=256)
    send_timeout_seconds: float = 10.0
    max_document_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_batch_documents: int = Field(default=1000, ge=1)
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    demo_tenant: str | None = Field(
        default="demo", description="Created at start with `demo_api_key`, outside production."
    )
    demo_api_key: SecretStr = SecretStr(DEV_API_KEY)
    demo_widget_key: str = Field(
        default=DEV_WIDGET_KEY,
        description="The demo tenant's public widget key; the chat page at `/` uses it.",
    )
    message_rate: str = Field(
        default="20/minute", description="Customer messages per session (`limits` notation)."
    )
    session_rate: str = Field(
        default="600/minute", description="Sessions a tenant may open (`limits` notation)."
    )
    max_sockets_per_tenant: int = Field(default=1000, ge=1)
    turn_deadline_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A turn with no frame for this long gets an `error` frame `turn_timeout`.",
    )
    max_turns_in_flight: int = Field(
        default=8,
        ge=1,
        description="Turns this instance runs at once; past it a message gets `busy`.",
    )
    conversation_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="Analytics: a conversation idle this long has ended.",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the REST API from a browser."
    )
    frame_ancestors: list[str] = Field(
        default_factory=list, description="Origins that may embed the pages (none by default)."
    )
    hsts_seconds: int = Field(
        default=0, ge=0, description="`Strict-Transport-Security` max-age; 0 sends none."
    )

    @field_validator("message_rate", "session_rate")
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        parse(value)
        return value

    def default_secrets(self) -> list[str]:
        """The JWT secret and the demo key must be replaced in production."""
        names = super().default_secrets()
        if self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            names.append("GATEWAY_JWT_SECRET")
        if self.demo_tenant and self.demo_api_key.get_secret_value() == DEV_API_KEY:
            names.append("GATEWAY_DEMO_API_KEY (or unset GATEWAY_DEMO_TENANT)")
        return names
