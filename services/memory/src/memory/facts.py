"""Fact identity and relevance: one row per normalised statement, scored for a new message."""

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import numpy as np

PUNCTUATION = re.compile(r"[^\w\s#@\-]")


def normalise(content: str) -> str:
    """Case, spacing and punctuation do not make a new fact."""
    text = unicodedata.normalize("NFKC", content).casefold()
    return " ".join(PUNCTUATION.sub(" ", text).split())


def content_hash(content: str) -> str:
    """Identity of a fact's content (unique per tenant, customer and type)."""
    return hashlib.sha256(normalise(content).encode()).hexdigest()


def decayed(importance: float, since: datetime, now: datetime, half_life_days: float) -> float:
    """Importance halves every `half_life_days` without the fact being used."""
    age_days = max((now - since).total_seconds(), 0) / 86400
    return importance * math.pow(0.5, age_days / half_life_days)


@dataclass(frozen=True)
class Weights:
    """How a fact's score mixes relevance to the message, decayed importance and recency."""

    similarity: float = 0.6
    importance: float = 0.3
    recency: float = 0.1


def score(
    similarity: float,
    importance: float,
    last_used: datetime,
    now: datetime,
    *,
    half_life_days: float,
    weights: Weights = Weights(),
) -> float:
    """The fact's relevance to the new message."""
    age_days = max((now - last_used).total_seconds(), 0) / 86400
    return (
        weights.similarity * max(similarity, 0.0)
        + weights.importance * decayed(importance, last_used, now, half_life_days)
        + weights.recency / (1 + age_days)
    )


def to_blob(vector: np.ndarray) -> bytes:
    """A float32 vector as stored."""
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_blobs(blobs: list[bytes], dimension: int) -> np.ndarray:
    """Stored vectors as a matrix (rows in the given order)."""
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dimension)
