"""Knowledge-base administration: upload, list, inspect, delete and search documents."""

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field, ValidationError

from contracts import Audience, RetrievalCompleted, RetrievalRequested, Source
from gateway.deps import AdminDep, AgentOrAdmin, GatewayDep
from gateway.knowledge import DocumentRejected, Submission, id_from_filename
from gateway.rest.asking import RETRY_AFTER, ask
from gateway.rest.uploads import DocumentStatus, read_upload

router = APIRouter(prefix="/v1/kb", tags=["knowledge base"])
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "text/plain")


class DocumentIn(BaseModel):
    """A document given as JSON; `content` is Markdown or plain text."""

    id: str | None = Field(default=None, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    content: str = Field(min_length=1)
    source_url: str | None = Field(default=None, max_length=2000)
    metadata: dict[str, Any] = Field(default_factory=dict)
    audience: Audience = Field(
        default="customer",
        description="`internal`: written for staff; guides the assistant and agents, and is "
        "never shown or cited to a customer.",
    )

    def submission(self) -> Submission:
        """As a submission of Markdown text."""
        return Submission(
            title=self.title,
            content=self.content.encode(),
            content_type="text/markdown",
            document_id=self.id,
            source_url=self.source_url,
            metadata=self.metadata,
            audience=self.audience,
        )


class DocumentPage(BaseModel):
    """A page of documents."""

    items: list[DocumentStatus]
    total: int
    limit: int
    offset: int


class BatchAccepted(BaseModel):
    """Documents queued by a batch upload."""

    accepted: int
    documents: list[DocumentStatus]


class SearchIn(BaseModel):
    """A test query against the tenant's knowledge base."""

    query: str = Field(min_length=1, max_length=8000)
    top_k: int = Field(default=5, ge=1, le=50)
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    filters: dict[str, Any] = Field(default_factory=dict)
    audience: Audience | None = Field(
        default=None, description="Only passages of this audience (default: both)."
    )


class SearchOut(BaseModel):
    """Ranked passages, best first."""

    results: list[Source]
    cached: bool


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DocumentIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "source_url": {"type": "string"},
                        "metadata": {"type": "string", "description": "a JSON object"},
                        "audience": {"type": "string", "enum": ["customer", "internal"]},
                    },
                }
            },
        },
    }
}
BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "one DocumentIn JSON object a line"}
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid credentials"},
    403: {"description": "Not an admin"},
    413: {"description": "Document too large"},
    415: {"description": "Unsupported content type"},
    422: {"description": "Invalid document"},
}


def rejected(exc: DocumentRejected) -> HTTPException:
    """The HTTP error for a refused document."""
    return HTTPException(exc.status, exc.detail)


def parse_metadata(raw: object) -> dict[str, Any]:
    """The `metadata` form field: a JSON object, or nothing."""
    if raw in (None, ""):
        return {}
    try:
        value = orjson.loads(str(raw))
    except orjson.JSONDecodeError:
        raise HTTPException(422, "metadata must be a JSON object") from None
    if not isinstance(value, dict):
        raise HTTPException(422, "metadata must be a JSON object")
    return value


def parse_audience(raw: object) -> Audience:
    """The `audience` form field: `customer` (the default) or `internal`."""
    if raw in (None, "", "customer"):
        return "customer"
    if raw == "internal":
        return "internal"
    raise HTTPException(422, "audience must be 'customer' or 'internal'")


def request_kind(request: Request) -> str:
    """The request's media type."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


@router.post(
    "/documents",
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
    openapi_extra=UPLOAD_BODY,
)
async def upload_document(request: Request, admin: AdminDep, gateway: GatewayDep) -> DocumentStatus:
    """Queue one document for indexing: a file (multipart) or JSON with Markdown content.

    A file's id defaults to its name, so uploading the same file again replaces it; an
    unchanged document is left as it is.
    """
    limit = gateway.settings.max_document_bytes
    kind = request_kind(request)
    if kind == "multipart/form-data":
        async with request.form(max_part_size=limit + 1) as form:
            data, name, content_type = await read_upload(form.get("file"), limit)
            submission = Submission(
                title=str(form.get("title") or name),
                content=data,
                content_type=content_type,
                document_id=str(form.get("id") or id_from_filename(name)),
                source_url=str(form["source_url"]) if form.get("source_url") else None,
                metadata=parse_metadata(form.get("metadata")),
                audience=parse_audience(form.get("audience")),
            )
    elif kind == "application/json":
        body = await request.body()
        if len(body) > limit * 2:
            raise HTTPException(413, f"documents are limited to {limit} bytes")
        try:
            submission = DocumentIn.model_validate_json(body).submission()
        except ValidationError as exc:
            raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from None
    else:
        raise HTTPException(415, "send application/json or multipart/form-data")
    try:
        [row] = await gateway.documents.submit(admin.tenant_id, [submission])
    except DocumentRejected as exc:
        raise rejected(exc) from None
    return DocumentStatus.model_validate(row)


@router.post(
    "/documents:batch",
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
    openapi_extra=BATCH_BODY,
)
async def upload_batch(request: Request, admin: AdminDep, gateway: GatewayDep) -> BatchAccepted:
    """Queue many documents from JSONL (one `DocumentIn` object a line); all or nothing."""
    settings = gateway.settings
    limit = settings.max_document_bytes * 10
    kind = request_kind(request)
    if kind == "multipart/form-data":
        async with request.form(max_part_size=limit + 1) as form:
            data, _, _ = await read_upload(form.get("file"), limit)
    elif kind in JSONL_TYPES:
        data = await request.body()
        if len(data) > limit:
            raise HTTPException(413, f"batches are limited to {limit} bytes")
    else:
        raise HTTPException(415, "send application/x-ndjson or a multipart file")
    submissions = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            submission = DocumentIn.model_validate_json(line).submission()
            gateway.documents.check(submission)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "line"
            raise HTTPException(422, f"line {number}: {where}: {problem['msg']}") from None
        except DocumentRejected as exc:
            raise HTTPException(exc.status, f"line {number}: {exc.detail}") from None
        submissions.append(submission)
    if not submissions:
        raise HTTPException(422, "the batch contains no documents")
    if len(submissions) > settings.max_batch_documents:
        raise HTTPException(413, f"batches are limited to {settings.max_batch_documents} documents")
    try:
        rows = await gateway.documents.submit(admin.tenant_id, submissions)
    except DocumentRejected as exc:
        raise rejected(exc) from None
    return BatchAccepted(
        accepted=len(rows), documents=[DocumentStatus.model_validate(row) for row in rows]
    )


@router.get("/documents", responses=ERRORS)
async def list_documents(
    admin: AdminDep,
    gateway: GatewayDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    status_filter: Annotated[
        Literal["queued", "indexed", "failed", "deleting"] | None, Query(alias="status")
    ] = None,
    audience: Audience | None = None,
) -> DocumentPage:
    """The tenant's documents, newest first (optionally of one status and one audience)."""
    rows, total = await gateway.documents.page(
        admin.tenant_id, limit=limit, offset=offset, status=status_filter, audience=audience
    )
    return DocumentPage(
        items=[DocumentStatus.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/documents/{document_id}", responses={**ERRORS, 404: {"description": "No such document"}}
)
async def get_document(document_id: str, admin: AdminDep, gateway: GatewayDep) -> DocumentStatus:
    """One document's status: queued, indexed (with its chunk count) or failed (with why)."""
    row = await gateway.documents.get(admin.tenant_id, document_id)
    if row is None:
        raise HTTPException(404, "no such document")
    return DocumentStatus.model_validate(row)


@router.delete(
    "/documents/{document_id}",
    status_code=status.HTTP_202_ACCEPTED,
    responses={**ERRORS, 404: {"description": "No such document"}},
)
async def delete_document(document_id: str, admin: AdminDep, gateway: GatewayDep) -> Response:
    """Remove a document from the knowledge base."""
    if not await gateway.documents.delete(admin.tenant_id, document_id):
        raise HTTPException(404, "no such document")
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/search",
    responses={**ERRORS, 503: {"description": "The knowledge base cannot answer now"}},
)
async def search(body: SearchIn, staff: AgentOrAdmin, gateway: GatewayDep) -> SearchOut:
    """Search the tenant's knowledge base the way the assistant does (agents and admins see
    internal documents too; `audience` narrows to one)."""
    request = RetrievalRequested(
        tenant_id=staff.tenant_id,
        query=body.query,
        top_k=body.top_k,
        mode=body.mode,
        filters=body.filters,
        audiences=[body.audience] if body.audience else ["customer", "internal"],
    )
    reply = await ask(gateway, request, RetrievalCompleted, asked="the knowledge base")
    if reply.error:
        raise HTTPException(503, reply.error, RETRY_AFTER)
    return SearchOut(results=reply.chunks, cached=reply.cached)
