"""Embedding in batches of similar length gives each text the vector it gets on its own, in the
order the texts were given."""

import numpy as np

from support_embeddings import Embedder, EmbeddingSettings

TEXTS = [
    "How do I freeze my card? " * 40,  # past the model's 256 tokens: truncated
    "Freeze a card.",
    "A replacement card arrives within five working days of the order. " * 3,
    "Annual fee?",
    "The annual fee of the Gold Rewards Card is charged on the first statement of each year.",
]


def test_vectors_match_one_text_at_a_time_in_the_given_order() -> None:
    embedder = Embedder(EmbeddingSettings(batch_size=2))
    try:
        together = embedder.embed_sync(TEXTS)
        alone = np.vstack([embedder.embed_sync([text]) for text in TEXTS])
    finally:
        embedder.close()
    assert together.shape == (len(TEXTS), embedder.info.dimension)
    assert np.allclose(np.sum(together * alone, axis=1), 1.0, atol=1e-4)
    assert embedder.embed_sync([]).shape == (0, embedder.info.dimension)
