"""Knowledge-base documents from the gateway's side: validate, queue for indexing, track status.

Submissions are recorded as `queued` and their `document.ingest.requested` events written in the
same transaction (outbox); the retrieval service's `document.*` events move them on.
"""

import base64
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts import (
    Audience,
    DocumentDeleted,
    DocumentDeleteRequested,
    DocumentIngested,
    DocumentIngestFailed,
    DocumentIngestRequested,
    utcnow,
)
from gateway.models import kb_documents
from support_core.messaging.outbox import Outbox

SUPPORTED_TYPES = frozenset(
    {
        "text/markdown",
        "text/x-markdown",
        "text/plain",
        "text/html",
        "application/xhtml+xml",
        "application/pdf",
    }
)
SUFFIX_TYPES = {
    "md": "text/markdown",
    "markdown": "text/markdown",
    "txt": "text/plain",
    "html": "text/html",
    "htm": "text/html",
    "pdf": "application/pdf",
}
DOCUMENT_ID = re.compile(r"^[^\s/?#%]{1,200}$")
KB_SCOPE = ""
PROJECTION = "gateway.kb-documents"


class DocumentRejected(ValueError):
    """A submission the gateway refuses outright; `status` is the HTTP status to answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Submission:
    """One document to index."""

    title: str
    content: bytes
    content_type: str
    document_id: str | None = None
    source_url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    audience: Audience = "customer"


def content_type_of(filename: str | None, declared: str | None) -> str:
    """The declared type if it is specific, else one guessed from the file name."""
    kind = (declared or "").split(";")[0].strip().lower()
    if kind and kind != "application/octet-stream":
        return kind
    suffix = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    return SUFFIX_TYPES.get(suffix, kind or "application/octet-stream")


def id_from_filename(filename: str) -> str:
    """A document id from a file name, so re-uploading a file replaces it."""
    return re.sub(r"[^A-Za-z0-9_.:()\-]+", "-", filename).strip("-")[:200] or uuid.uuid4().hex


class KnowledgeDocuments:
    """A tenant's documents as submitted and indexed."""

    def __init__(self, engine: AsyncEngine, outbox: Outbox, *, max_bytes: int) -> None:
        self._engine = engine
        self._outbox = outbox
        self.max_bytes = max_bytes

    def check(self, submission: Submission) -> None:
        """Refuse what can never be indexed, before queueing anything."""
        if submission.content_type not in SUPPORTED_TYPES:
            raise DocumentRejected(
                415,
                f"unsupported content type {submission.content_type!r}; "
                "send Markdown, plain text, HTML or PDF",
            )
        if len(submission.content) > self.max_bytes:
            raise DocumentRejected(413, f"documents are limited to {self.max_bytes} bytes")
        if not submission.content.strip():
            raise DocumentRejected(422, "the document is empty")
        if not submission.title.strip():
            raise DocumentRejected(422, "a title is required")
        if submission.document_id is not None and not DOCUMENT_ID.match(submission.document_id):
            raise DocumentRejected(
                422, "document ids are 1-200 characters without spaces, '/', '?', '#' or '%'"
            )

    async def submit(
        self,
        tenant_id: str,
        submissions: list[Submission],
        *,
        session_id: str | None = None,
        expires_at: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Queue documents for indexing; return their status rows."""
        for submission in submissions:
            self.check(submission)
        now = utcnow()
        rows = []
        async with self._outbox.unit_of_work() as uow:
            for submission in submissions:
                metadata = dict(submission.metadata)
                if expires_at is not None:
                    metadata["expires_at"] = expires_at.timestamp()
                request = DocumentIngestRequested(
                    tenant_id=tenant_id,
                    session_id=session_id,
                    document_id=submission.document_id or uuid.uuid4().hex,
                    title=submission.title.strip(),
                    content_type=submission.content_type,
                    content_b64=base64.b64encode(submission.content).decode(),
                    source_url=submission.source_url,
                    metadata=metadata,
                    audience=submission.audience,
                )
                values = {
                    "title": request.title,
                    "content_type": request.content_type,
                    "size_bytes": len(submission.content),
                    "source_url": request.source_url,
                    "audience": request.audience,
                    "status": "queued",
                    "reason": None,
                    "request_id": request.event_id,
                    "updated_at": now,
                }
                row = (
                    (
                        await uow.conn.execute(
                            insert(kb_documents)
                            .values(
                                tenant_id=tenant_id,
                                session_id=session_id or KB_SCOPE,
                                document_id=request.document_id,
                                created_at=now,
                                **values,
                            )
                            .on_conflict_do_update(
                                index_elements=list(kb_documents.primary_key), set_=values
                            )
                            .returning(*kb_documents.c)
                        )
                    )
                    .mappings()
                    .one()
                )
                rows.append(dict(row))
                uow.emit(request)
        return rows

    async def page(
        self,
        tenant_id: str,
        *,
        limit: int,
        offset: int,
        status: str | None = None,
        audience: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the tenant's knowledge-base documents, newest first, and the total."""
        where = [kb_documents.c.tenant_id == tenant_id, kb_documents.c.session_id == KB_SCOPE]
        if status:
            where.append(kb_documents.c.status == status)
        if audience:
            where.append(kb_documents.c.audience == audience)
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(
                    sa.select(sa.func.count()).select_from(kb_documents).where(*where)
                )
            ).scalar_one()
            rows = (
                (
                    await conn.execute(
                        sa.select(kb_documents)
                        .where(*where)
                        .order_by(kb_documents.c.created_at.desc(), kb_documents.c.document_id)
                        .limit(limit)
                        .offset(offset)
                    )
                )
                .mappings()
                .all()
            )
        return [dict(row) for row in rows], int(total)

    async def get(
        self, tenant_id: str, document_id: str, *, session_id: str | None = None
    ) -> dict[str, Any] | None:
        """One document of this tenant (another tenant's is simply not found)."""
        async with self._engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(kb_documents).where(
                            kb_documents.c.tenant_id == tenant_id,
                            kb_documents.c.session_id == (session_id or KB_SCOPE),
                            kb_documents.c.document_id == document_id,
                        )
                    )
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    async def delete(self, tenant_id: str, document_id: str) -> bool:
        """Ask for a document's removal; False if the tenant has no such document."""
        async with self._outbox.unit_of_work() as uow:
            request = DocumentDeleteRequested(tenant_id=tenant_id, document_id=document_id)
            found = await uow.conn.execute(
                kb_documents.update()
                .where(
                    kb_documents.c.tenant_id == tenant_id,
                    kb_documents.c.session_id == KB_SCOPE,
                    kb_documents.c.document_id == document_id,
                )
                .values(status="deleting", request_id=request.event_id, updated_at=utcnow())
                .returning(kb_documents.c.document_id)
            )
            if found.first() is None:
                return False
            uow.emit(request)
        return True

    async def apply(self, event: DocumentIngested | DocumentIngestFailed | DocumentDeleted) -> None:
        """Move a document's status on; results of superseded requests are ignored."""
        key = (
            kb_documents.c.tenant_id == event.tenant_id,
            kb_documents.c.session_id == (event.session_id or KB_SCOPE),
            kb_documents.c.document_id == event.document_id,
        )
        async with self._outbox.unit_of_work(consumer=PROJECTION, event=event) as uow:
            if uow.duplicate:
                return
            if isinstance(event, DocumentDeleted):
                await uow.conn.execute(kb_documents.delete().where(*key))
                return
            current = (kb_documents.c.request_id == event.causation_id,)
            if isinstance(event, DocumentIngested):
                values: dict[str, Any] = {
                    "status": "indexed",
                    "reason": None,
                    "chunk_count": event.chunk_count,
                }
            else:
                values = {"status": "failed", "reason": event.reason}
            await uow.conn.execute(
                kb_documents.update().where(*key, *current).values(updated_at=utcnow(), **values)
            )
