"""Settings shared by every service; each service composes them into its own settings class."""

from pathlib import Path
from typing import Literal
from uuid import uuid4

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]
DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


class RabbitSettings(BaseSettings):
    """RabbitMQ connection and consumer limits (`RABBITMQ_*`)."""

    model_config = SettingsConfigDict(env_prefix="RABBITMQ_", extra="ignore")

    url: SecretStr = SecretStr(DEFAULT_RABBITMQ_URL)
    prefetch: int = Field(default=64, ge=1, le=1000)
    delivery_limit: int = Field(default=3, ge=0)
    transient_patience: float = Field(
        default=30.0,
        ge=0,
        description="Seconds a handler retries while PostgreSQL, Redis or the broker "
        "reconnects, before the delivery counts as failed.",
    )
    graceful_timeout: float = 20.0


class DatabaseSettings(BaseSettings):
    """PostgreSQL connection (`DATABASE_*`); each service keeps its tables in its own schema."""

    model_config = SettingsConfigDict(env_prefix="DATABASE_", extra="ignore")

    url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/support")
    pool_size: int = 10
    max_overflow: int = 5


class RedisSettings(BaseSettings):
    """Redis connection (`REDIS_*`); every key starts with `key_prefix`."""

    model_config = SettingsConfigDict(env_prefix="REDIS_", extra="ignore")

    url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    key_prefix: str = "support"
    socket_timeout: float = 2.0


class QdrantSettings(BaseSettings):
    """Qdrant: a server at `url`, or embedded local mode in `path` (`QDRANT_*`)."""

    model_config = SettingsConfigDict(env_prefix="QDRANT_", extra="ignore")

    url: str | None = None
    api_key: SecretStr | None = None
    path: Path = Path(".data/qdrant")
    timeout: float = 5.0


class TelemetrySettings(BaseSettings):
    """Logs and traces (`TELEMETRY_*`)."""

    model_config = SettingsConfigDict(env_prefix="TELEMETRY_", extra="ignore")

    exporter: Literal["none", "otlp", "console", "file"] = "none"
    otlp_endpoint: str = "http://127.0.0.1:4318/v1/traces"
    file_path: Path = Path(".data/traces.jsonl")
    sample_ratio: float = Field(
        default=1.0, ge=0, le=1, description="Share of new traces recorded (parent-based)."
    )
    log_level: str = "INFO"
    json_logs: bool = True


class ServiceSettings(BaseSettings):
    """Base of every service's settings; a service sets `env_prefix` and its own defaults."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    service_name: str
    instance_id: str = Field(default_factory=lambda: uuid4().hex[:12])
    environment: Environment = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    websocket_ping_seconds: float = Field(
        default=20.0,
        gt=0,
        description="WebSocket keepalive: a ping this often, the socket closed if no pong comes "
        "within as long again (a peer that vanished unseen is let go within twice this).",
    )
    rabbitmq: RabbitSettings = Field(default_factory=RabbitSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)

    def default_secrets(self) -> list[str]:
        """Names of secrets still at their development default; a service may add its own."""
        if self.rabbitmq.url.get_secret_value() == DEFAULT_RABBITMQ_URL:
            return ["RABBITMQ_URL"]
        return []

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> "ServiceSettings":
        if self.environment == "production" and (names := self.default_secrets()):
            raise ValueError(f"production refuses default secrets: {', '.join(names)}")
        return self
