"""An embedding made by one service is accepted by another only if the same model made it."""

import numpy as np
import pytest

from contracts import Embedding, RetrievalRequested
from support_embeddings import Embedder, EmbeddingSettings


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(EmbeddingSettings())


async def test_a_described_text_survives_the_event_round_trip(embedder: Embedder) -> None:
    text = "How do I report a lost card?"
    request = RetrievalRequested(tenant_id="t", query=text, embedding=await embedder.describe(text))
    received = RetrievalRequested.model_validate_json(request.model_dump_json())
    accepted = embedder.accept(received.embedding)
    assert accepted is not None
    fresh = await embedder.embed_query(text)
    assert float(accepted @ fresh) == pytest.approx(1.0, abs=1e-4)


async def test_vectors_of_another_model_or_size_are_refused(embedder: Embedder) -> None:
    made = await embedder.describe("Where is my parcel?")
    assert embedder.accept(None) is None
    assert embedder.accept(made.model_copy(update={"model": "another/model"})) is None
    assert embedder.accept(made.model_copy(update={"vector": made.vector[:100]})) is None


async def test_a_refused_embedding_means_the_text_is_embedded_here(embedder: Embedder) -> None:
    text = "Can I change the address on my account?"
    foreign = Embedding(model="another/model", vector=[1.0] * embedder.info.dimension)
    vector = await embedder.embed_or_accept(text, foreign)
    assert np.allclose(vector, await embedder.embed_query(text), atol=1e-5)
