"""Embedding settings (`EMBEDDING_*`)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from support_embeddings.model_dir import BUNDLED_MODEL


class EmbeddingSettings(BaseSettings):
    """Which model embeds text and how hard it may work."""

    model_config = SettingsConfigDict(env_prefix="EMBEDDING_", extra="ignore")

    model_name: str = BUNDLED_MODEL
    cache_dir: Path = Path(".data/models")
    allow_download: bool = Field(
        default=False, description="Let fastembed fetch a model other than the bundled one."
    )
    threads: int = Field(default=1, ge=1)
    batch_size: int = Field(default=32, ge=1)
