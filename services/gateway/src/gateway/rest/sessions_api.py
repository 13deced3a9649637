"""REST routes of the gateway."""

from fastapi import APIRouter, HTTPException, Request, UploadFile, status
from pydantic import BaseModel, Field

from gateway.deps import ApiKeyDep, GatewayDep, PrincipalDep, own_session
from gateway.knowledge import DocumentRejected, Submission, id_from_filename
from gateway.rest.uploads import DocumentStatus, read_upload
from gateway.tokens import Principal

router = APIRouter(prefix="/v1", tags=["sessions"])


class SessionCreate(BaseModel):
    """Who the session is for."""

    customer_id: str | None = Field(default=None, max_length=128)


class SessionCreated(BaseModel):
    """A new session and the token its client uses on the WebSocket."""

    session_id: str
    token: str
    expires_at: int = Field(description="Token expiry, unix seconds.")
    stream_url: str


@router.post(
    "/sessions",
    status_code=status.HTTP_201_CREATED,
    responses={
        401: {"description": "Missing or invalid API key"},
        429: {
            "description": "The tenant opens sessions too fast; retry after `Retry-After` s",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    },
)
async def create_session(
    body: SessionCreate, owner: ApiKeyDep, gateway: GatewayDep, request: Request
) -> SessionCreated:
    """Open a chat session with a tenant's admin or widget key."""
    verdict = await gateway.session_limit.hit("sessions", owner.tenant_id)
    if not verdict.allowed:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many new sessions for this tenant",
            headers={"Retry-After": verdict.retry_after_header},
        )
    session = await gateway.sessions.create(owner.tenant_id, body.customer_id)
    token, expires_at = gateway.tokens.issue(
        Principal(
            tenant_id=owner.tenant_id,
            role="customer",
            subject=session.session_id,
            customer_id=session.customer_id,
        )
    )
    stream_url = str(request.url_for("session_stream", session_id=session.session_id))
    return SessionCreated(
        session_id=session.session_id,
        token=token,
        expires_at=expires_at,
        stream_url=stream_url.replace("http", "ws", 1),
    )


@router.post(
    "/sessions/{session_id}/attachments",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["sessions"],
    responses={
        401: {"description": "Missing or invalid credentials"},
        404: {"description": "No such session"},
        413: {"description": "File too large"},
        415: {"description": "Unsupported file type"},
        422: {"description": "Invalid file"},
    },
)
async def attach_file(
    session_id: str, file: UploadFile, caller: PrincipalDep, gateway: GatewayDep
) -> DocumentStatus:
    """Attach a file to the session: searchable in this session only, gone when it expires."""
    session = await own_session(gateway, caller, session_id)
    data, name, content_type = await read_upload(file, gateway.settings.max_document_bytes)
    submission = Submission(
        title=name, content=data, content_type=content_type, document_id=id_from_filename(name)
    )
    try:
        [row] = await gateway.documents.submit(
            session.tenant_id,
            [submission],
            session_id=session.session_id,
            expires_at=await gateway.sessions.expires_at(session),
        )
    except DocumentRejected as exc:
        raise HTTPException(exc.status, exc.detail) from None
    return DocumentStatus.model_validate(row)


@router.get(
    "/sessions/{session_id}/attachments/{attachment_id}",
    tags=["sessions"],
    responses={
        401: {"description": "Missing or invalid credentials"},
        404: {"description": "Not found"},
    },
)
async def attachment_status(
    session_id: str, attachment_id: str, caller: PrincipalDep, gateway: GatewayDep
) -> DocumentStatus:
    """Whether an attachment is indexed yet."""
    session = await own_session(gateway, caller, session_id)
    row = await gateway.documents.get(
        session.tenant_id, attachment_id, session_id=session.session_id
    )
    if row is None:
        raise HTTPException(404, "no such attachment")
    return DocumentStatus.model_validate(row)
