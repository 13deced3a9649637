"""The Qdrant collection: dense + BM25 vectors per chunk, every point tagged with its tenant.

One collection serves every tenant; a tenant-keyed payload index keeps their points apart and
every query is filtered by tenant. The sync client runs on one worker thread: embedded (local)
mode is neither thread-safe nor async, and a server call must not block the event loop.
"""

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from support_core.settings import QdrantSettings
from support_embeddings import ModelInfo

# Transport and server failures; programming errors (e.g. a bad filter) still surface as such.
UNAVAILABLE = (ResponseHandlingException, UnexpectedResponse, httpx.HTTPError, OSError)
DENSE = "dense"
LEXICAL = "lexical"
KB_SCOPE = ""  # session_id of knowledge-base points; attachments carry their session's id
CUSTOMER = "customer"
INTERNAL = "internal"
T = TypeVar("T")


class EmbeddingModelMismatch(RuntimeError):
    """The collection was built with another embedding model; its vectors cannot be mixed."""


class IndexUnavailable(RuntimeError):
    """Qdrant cannot be reached or opened."""


@dataclass(frozen=True)
class Hit:
    """A chunk matching a query."""

    point_id: str
    score: float
    payload: dict[str, Any]


def audience_of(payload: dict[str, Any]) -> str:
    """A chunk's audience (chunks indexed before audiences existed are for customers)."""
    audience: str = payload.get("audience") or CUSTOMER
    return audience


def tenant_filter(
    tenant_id: str,
    session_id: str | None,
    metadata: dict[str, Any] | None = None,
    audiences: frozenset[str] | None = None,
) -> models.Filter:
    """The tenant's knowledge base plus, within a session, that session's attachments;
    only the given audiences (all if None)."""
    scopes = [KB_SCOPE, session_id] if session_id else [KB_SCOPE]
    must: list[models.Condition] = [
        models.FieldCondition(key="tenant_id", match=models.MatchValue(value=tenant_id)),
        models.FieldCondition(key="session_id", match=models.MatchAny(any=scopes)),
    ]
    must_not: list[models.Condition] = []
    if audiences is not None and INTERNAL not in audiences:
        # Excluding staff-only chunks also keeps chunks stored without an audience.
        must_not.append(
            models.FieldCondition(key="audience", match=models.MatchValue(value=INTERNAL))
        )
    elif audiences is not None and CUSTOMER not in audiences:
        must.append(models.FieldCondition(key="audience", match=models.MatchValue(value=INTERNAL)))
    for key, value in (metadata or {}).items():
        match: models.MatchValue | models.MatchAny = (
            models.MatchAny(any=value)
            if isinstance(value, list)
            else models.MatchValue(value=value)
        )
        must.append(models.FieldCondition(key=f"metadata.{key}", match=match))
    return models.Filter(must=must, must_not=must_not or None)


class KnowledgeIndex:
    """Chunks of every tenant's documents in one Qdrant collection."""

    def __init__(self, settings: QdrantSettings, *, collection: str, model: ModelInfo) -> None:
        self._settings = settings
        self._collection = collection
        self._model = model
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qdrant")
        self._client: QdrantClient | None = None

    async def _run(self, call: Callable[[QdrantClient], T], *, timeout: float | None = None) -> T:
        if self._client is None:
            raise IndexUnavailable("the index is not open")
        client = self._client
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout or self._settings.timeout):
                return await loop.run_in_executor(self._executor, call, client)
        except TimeoutError:
            raise IndexUnavailable(
                f"Qdrant did not answer within {self._settings.timeout}s"
            ) from None
        except UNAVAILABLE as exc:
            raise IndexUnavailable(f"Qdrant failed: {exc}") from exc

    async def open(self) -> None:
        """Connect (or open the local folder) and make sure the collection fits our model."""
        loop = asyncio.get_running_loop()
        try:
            self._client = await loop.run_in_executor(self._executor, self._connect)
        except Exception as exc:
            raise IndexUnavailable(f"cannot open Qdrant: {exc}") from exc
        await self._run(self._ensure_collection)

    def _connect(self) -> QdrantClient:
        if self._settings.url:
            api_key = self._settings.api_key.get_secret_value() if self._settings.api_key else None
            # No version probe: it runs in a thread of its own and only warns; readiness
            # (collection access) is the check that matters.
            return QdrantClient(
                url=self._settings.url,
                api_key=api_key,
                timeout=int(self._settings.timeout),
                check_compatibility=False,
            )
        self._settings.path.mkdir(parents=True, exist_ok=True)
        return QdrantClient(path=str(self._settings.path))

    def _ensure_collection(self, client: QdrantClient) -> None:
        wanted = {"embedding_model": self._model.name, "dimension": self._model.dimension}
        if client.collection_exists(self._collection):
            metadata = client.get_collection(self._collection).config.metadata or {}
            found = {key: metadata.get(key) for key in wanted}
            if found != wanted:
                raise EmbeddingModelMismatch(
                    f"collection {self._collection!r} holds vectors of {found['embedding_model']} "
                    f"({found['dimension']}-d) but {self._model.name} ({self._model.dimension}-d) "
                    "is configured; re-index into a new collection (RETRIEVAL_COLLECTION) "
                    "or configure the original model"
                )
            return
        client.create_collection(
            self._collection,
            vectors_config={
                DENSE: models.VectorParams(
                    size=self._model.dimension, distance=models.Distance.COSINE
                )
            },
            sparse_vectors_config={
                LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)
            },
            metadata=wanted,
        )
        if not self._settings.url:
            return  # embedded mode scans payloads; indexes exist only on a server
        client.create_payload_index(
            self._collection,
            "tenant_id",
            models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True),
        )
        for field in ("document_id", "session_id", "audience"):
            client.create_payload_index(self._collection, field, models.PayloadSchemaType.KEYWORD)
        client.create_payload_index(self._collection, "expires_at", models.PayloadSchemaType.FLOAT)

    async def close(self) -> None:
        """Close the client and its worker thread."""
        if self._client is not None:
            await self._run(lambda client: client.close())
            self._client = None
        self._executor.shutdown(wait=False)

    async def check(self) -> str:
        """Readiness probe: the collection answers."""
        info = await self._run(lambda client: client.get_collection(self._collection))
        return f"{info.points_count or 0} points"

    async def replace_document(
        self, points: Sequence[models.PointStruct], stale: Sequence[str]
    ) -> None:
        """Upsert a document's new chunks and delete its stale ones, in one request."""
        operations: list[Any] = [
            models.UpsertOperation(upsert=models.PointsList(points=list(points)))
        ]
        if stale:
            operations.append(
                models.DeleteOperation(delete=models.PointIdsList(points=list(stale)))
            )
        await self._run(
            lambda client: client.batch_update_points(self._collection, operations, wait=True)
        )

    async def delete_ids(self, point_ids: Sequence[str]) -> None:
        """Delete chunks by id."""
        if point_ids:
            await self._run(
                lambda client: client.delete(
                    self._collection, models.PointIdsList(points=list(point_ids)), wait=True
                )
            )

    async def all_points(
        self, batch: int = 1000, vectors: bool | list[str] = True
    ) -> list[models.Record]:
        """Every stored chunk with its payload and `vectors` (to warm what is kept in memory)."""

        def scroll(client: QdrantClient) -> list[models.Record]:
            found: list[models.Record] = []
            offset: Any = None
            while True:
                records, offset = client.scroll(
                    self._collection,
                    limit=batch,
                    offset=offset,
                    with_payload=True,
                    with_vectors=vectors,
                )
                found += records
                if offset is None:
                    return found

        return await self._run(scroll, timeout=600)

    async def rank(
        self,
        *,
        tenant_id: str,
        session_id: str | None,
        metadata: dict[str, Any] | None,
        audiences: frozenset[str] | None,
        dense: np.ndarray | None,
        lexical: models.SparseVector | None,
        limit: int,
    ) -> list[list[Hit]]:
        """Dense and BM25 rankings computed by Qdrant (server mode), filtered by tenant."""
        selection = tenant_filter(tenant_id, session_id, metadata, audiences)
        requests = [
            models.QueryRequest(
                query=query, using=using, filter=selection, limit=limit, with_payload=True
            )
            for query, using in (
                (dense.tolist() if dense is not None else None, DENSE),
                (lexical, LEXICAL),
            )
            if query is not None
        ]
        responses = await self._run(
            lambda client: client.query_batch_points(self._collection, requests)
        )
        return [
            [Hit(str(p.id), p.score, p.payload or {}) for p in response.points]
            for response in responses
        ]
