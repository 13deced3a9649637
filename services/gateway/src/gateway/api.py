"""REST routes of the gateway."""

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from gateway.deps import ApiKeyDep, GatewayDep
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
    responses={401: {"description": "Missing or invalid API key"}},
)
async def create_session(
    body: SessionCreate, owner: ApiKeyDep, gateway: GatewayDep, request: Request
) -> SessionCreated:
    """Open a chat session with a tenant's admin or widget key."""
    session = await gateway.sessions.create(owner.tenant_id, body.customer_id)
    token, expires_at = gateway.tokens.issue(
        Principal(tenant_id=owner.tenant_id, role="customer", subject=session.session_id)
    )
    stream_url = str(request.url_for("session_stream", session_id=session.session_id))
    return SessionCreated(
        session_id=session.session_id,
        token=token,
        expires_at=expires_at,
        stream_url=stream_url.replace("http", "ws", 1),
    )
