"""A lightweight classifier for requests for a person worded in ways no phrase list foresees:
each sentence's embedding (the bundled MiniLM model) is compared with example requests, and the
best cosine similarity is the score."""

import numpy as np

from contracts import Embedding
from support_embeddings import Embedder

EXAMPLES = (
    "I want to talk to a human",
    "let me speak to a real person",
    "transfer me to a live agent",
    "can I talk to someone from customer support",
    "I need a human representative",
    "connect me to a member of staff",
    "please escalate this to your team",
    "I don't want to chat with a bot",
    "is there a person I can speak to",
    "have someone call me",
)


class HumanRequestClassifier:
    """Scores sentences by their similarity to example requests for a human."""

    def __init__(self, embedder: Embedder, examples: tuple[str, ...] = EXAMPLES) -> None:
        self._embedder = embedder
        self._examples = embedder.embed_sync(examples)

    async def score(self, sentences: list[str], embedding: Embedding | None = None) -> float:
        """The highest similarity of any sentence to any example (0 without sentences);
        `embedding` is that of the only sentence, when the sender made one."""
        if not sentences:
            return 0.0
        vectors = (
            np.asarray([await self._embedder.embed_or_accept(sentences[0], embedding)])
            if len(sentences) == 1
            else await self._embedder.embed_many(sentences)
        )
        return float((vectors @ self._examples.T).max())
