"""The knowledge base: ingest, delete, search and expire documents (no broker code here)."""

import asyncio
import base64
import binascii
import logging
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy.dialects.postgresql import insert

from contracts import (
    DocumentDeleted,
    DocumentDeleteRequested,
    DocumentIngested,
    DocumentIngestFailed,
    DocumentIngestRequested,
    RetrievalCompleted,
    RetrievalRequested,
    utcnow,
)
from retrieval.cache import ResultCache
from retrieval.extract import UnprocessableDocument, extract
from retrieval.index import KB_SCOPE, IndexUnavailable, KnowledgeIndex
from retrieval.ingest import PointBuilder, SourceDocument
from retrieval.models import documents
from retrieval.search import Searcher
from support_core.messaging.outbox import Outbox

log = logging.getLogger(__name__)
INGEST = "retrieval.ingest"
DELETE = "retrieval.delete"


def expiry_of(event: DocumentIngestRequested) -> datetime | None:
    """When a session attachment stops being searchable (knowledge-base documents never do)."""
    value = event.metadata.get("expires_at") if event.session_id else None
    return datetime.fromtimestamp(float(value), UTC) if value is not None else None


class KnowledgeBase:
    """What the retrieval service does, given its index, vectorisers, cache and outbox."""

    def __init__(
        self,
        *,
        index: KnowledgeIndex,
        builder: PointBuilder,
        searcher: Searcher,
        cache: ResultCache,
        outbox: Outbox,
        max_document_bytes: int,
        metrics: CollectorRegistry,
    ) -> None:
        self._index = index
        self._builder = builder
        self._searcher = searcher
        self._cache = cache
        self._outbox = outbox
        self._max_bytes = max_document_bytes
        self._searches = Counter(
            "support_retrieval_requests",
            "Searches by outcome (hit: passages found, miss: none, cached, error)",
            ["outcome"],
            registry=metrics,
        )
        self._search_seconds = Histogram(
            "support_retrieval_seconds",
            "Search duration inside the retrieval service",
            registry=metrics,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self._ingested = Counter(
            "support_ingested_documents",
            "Documents ingested by outcome",
            ["outcome"],
            registry=metrics,
        )
        for outcome in ("hit", "miss", "cached", "error"):
            self._searches.labels(outcome=outcome)
        for outcome in ("indexed", "failed"):
            self._ingested.labels(outcome=outcome)

    async def search(self, request: RetrievalRequested) -> RetrievalCompleted:
        """Ranked passages for the request; a broken index answers at once with the reason."""
        fields = {
            "query": request.query,
            "top_k": request.top_k,
            "mode": request.mode,
            "filters": request.filters,
            "session_id": request.session_id,
            "audiences": sorted(request.audiences),
            "guidance_top_k": request.guidance_top_k,
        }
        started = time.perf_counter()
        key = await self._cache.key(request.tenant_id, fields)
        cached = await self._cache.get(key)
        if cached is not None:
            self._searches.labels(outcome="cached").inc()
            self._search_seconds.observe(time.perf_counter() - started)
            return request.follow(
                RetrievalCompleted,
                chunks=cached.sources,
                confidence=cached.confidence,
                guidance=cached.guidance,
                requests=cached.requests,
                cached=True,
            )
        try:
            result = await self._searcher.search(
                tenant_id=request.tenant_id,
                session_id=request.session_id,
                query=request.query,
                top_k=request.top_k,
                mode=request.mode,
                filters=request.filters,
                embedding=request.embedding,
                audiences=frozenset(request.audiences),
                guidance_top_k=request.guidance_top_k,
            )
        except IndexUnavailable as exc:
            self._searches.labels(outcome="error").inc()
            return request.follow(RetrievalCompleted, error=f"knowledge base unavailable: {exc}")
        self._searches.labels(outcome="hit" if result.sources else "miss").inc()
        self._search_seconds.observe(time.perf_counter() - started)
        await self._cache.put(key, result)
        return request.follow(
            RetrievalCompleted,
            chunks=result.sources,
            confidence=result.confidence,
            guidance=result.guidance,
            requests=result.requests,
        )

    async def ingest(self, request: DocumentIngestRequested) -> None:
        """Index the document (or record why not); unchanged content changes nothing."""
        if await self._outbox.seen(INGEST, request.event_id):
            return
        try:
            document = self._source(request)
        except UnprocessableDocument as exc:
            await self._record_failure(request, str(exc))
            self._ingested.labels(outcome="failed").inc()
            return
        content_hash = document.content_hash()
        registered = await self._registered(request)
        if (
            registered
            and registered.status == "indexed"
            and registered.content_hash == content_hash
        ):
            await self._record_success(request, content_hash, None, unchanged=True)
            return
        points = await asyncio.to_thread(self._builder.build, document)
        chunk_ids = [str(point.id) for point in points]
        stale = sorted(set(registered.chunk_ids if registered else []) - set(chunk_ids))
        await self._index.replace_document(points, stale)
        self._searcher.apply(request.tenant_id, points, stale)
        await self._cache.invalidate(request.tenant_id)
        await self._record_success(request, content_hash, chunk_ids, unchanged=False)
        self._ingested.labels(outcome="indexed").inc()

    def _source(self, request: DocumentIngestRequested) -> SourceDocument:
        try:
            data = base64.b64decode(request.content_b64, validate=True)
        except (binascii.Error, ValueError):
            raise UnprocessableDocument("content is not valid base64") from None
        if len(data) > self._max_bytes:
            raise UnprocessableDocument(f"the document exceeds {self._max_bytes} bytes")
        extracted = extract(data, request.content_type)
        expires_at = expiry_of(request)
        return SourceDocument(
            tenant_id=request.tenant_id,
            document_id=request.document_id,
            title=request.title or extracted.title or request.document_id,
            text=extracted.text,
            session_id=request.session_id,
            source_url=request.source_url,
            metadata={k: v for k, v in request.metadata.items() if k != "expires_at"},
            expires_at=expires_at.timestamp() if expires_at else None,
            audience=request.audience,
        )

    async def _registered(self, request: DocumentIngestRequested | DocumentDeleteRequested) -> Any:
        """The document's registry row (hash, status, chunk ids), if any."""
        async with self._outbox.unit_of_work() as uow:
            return (
                await uow.conn.execute(
                    sa.select(documents).where(
                        documents.c.tenant_id == request.tenant_id,
                        documents.c.session_id == (request.session_id or KB_SCOPE),
                        documents.c.document_id == request.document_id,
                    )
                )
            ).first()

    async def _record_success(
        self,
        request: DocumentIngestRequested,
        content_hash: str,
        chunk_ids: list[str] | None,
        *,
        unchanged: bool,
    ) -> None:
        values: dict[str, object] = {
            "title": request.title,
            "content_hash": content_hash,
            "status": "indexed",
            "reason": None,
            "expires_at": expiry_of(request),
            "updated_at": utcnow(),
        }
        if chunk_ids is not None:
            values["chunk_ids"] = chunk_ids
            values["chunk_count"] = len(chunk_ids)
        async with self._outbox.unit_of_work(consumer=INGEST, event=request) as uow:
            if uow.duplicate:
                return
            stored = await uow.conn.execute(
                insert(documents)
                .values(
                    tenant_id=request.tenant_id,
                    session_id=request.session_id or KB_SCOPE,
                    document_id=request.document_id,
                    **values,
                )
                .on_conflict_do_update(index_elements=list(documents.primary_key), set_=values)
                .returning(documents.c.chunk_count)
            )
            uow.emit(
                request.follow(
                    DocumentIngested,
                    document_id=request.document_id,
                    title=request.title,
                    chunk_count=stored.scalar_one(),
                    content_hash=content_hash,
                    unchanged=unchanged,
                )
            )

    async def _record_failure(self, request: DocumentIngestRequested, reason: str) -> None:
        log.info("document %s not indexed: %s", request.document_id, reason)
        values = {
            "status": "failed",
            "reason": reason,
            "title": request.title,
            "updated_at": utcnow(),
        }
        async with self._outbox.unit_of_work(consumer=INGEST, event=request) as uow:
            if uow.duplicate:
                return
            await uow.conn.execute(
                insert(documents)
                .values(
                    tenant_id=request.tenant_id,
                    session_id=request.session_id or KB_SCOPE,
                    document_id=request.document_id,
                    **values,
                )
                .on_conflict_do_update(index_elements=list(documents.primary_key), set_=values)
            )
            uow.emit(
                request.follow(DocumentIngestFailed, document_id=request.document_id, reason=reason)
            )

    async def delete(self, request: DocumentDeleteRequested) -> None:
        """Remove a document and its chunks."""
        registered = await self._registered(request)
        chunk_ids = list(registered.chunk_ids) if registered else []
        await self._index.delete_ids(chunk_ids)
        self._searcher.apply(request.tenant_id, [], chunk_ids)
        await self._cache.invalidate(request.tenant_id)
        async with self._outbox.unit_of_work(consumer=DELETE, event=request) as uow:
            if uow.duplicate:
                return
            await uow.conn.execute(
                documents.delete().where(
                    documents.c.tenant_id == request.tenant_id,
                    documents.c.session_id == (request.session_id or KB_SCOPE),
                    documents.c.document_id == request.document_id,
                )
            )
            uow.emit(request.follow(DocumentDeleted, document_id=request.document_id))

    async def purge_expired(self) -> int:
        """Delete session attachments whose session has ended; return how many."""
        now = utcnow()
        async with self._outbox.unit_of_work() as uow:
            expired = (
                await uow.conn.execute(
                    documents.delete()
                    .where(documents.c.expires_at < now)
                    .returning(
                        documents.c.tenant_id,
                        documents.c.session_id,
                        documents.c.document_id,
                        documents.c.chunk_ids,
                    )
                )
            ).all()
            for row in expired:
                await self._index.delete_ids(list(row.chunk_ids))
                self._searcher.apply(row.tenant_id, [], list(row.chunk_ids))
                uow.emit(
                    DocumentDeleted(
                        tenant_id=row.tenant_id,
                        session_id=row.session_id,
                        document_id=row.document_id,
                    )
                )
        for tenant_id in {row.tenant_id for row in expired}:
            await self._cache.invalidate(tenant_id)
        return len(expired)
