"""Tokens for agents, auditors and admins, issued by a tenant's admin."""

from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from gateway.deps import AdminDep, GatewayDep
from gateway.rest.asking import escalation_command
from gateway.tokens import Principal

router = APIRouter(prefix="/v1", tags=["auth"])
MAX_TTL_SECONDS = 7 * 24 * 3600


class TokenRequest(BaseModel):
    """Whom the token is for; an agent is also registered for ticket assignment."""

    role: Literal["agent", "auditor", "admin"]
    subject: str = Field(min_length=1, max_length=128, description="Agent id or person's name.")
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    ttl_seconds: int | None = Field(default=None, ge=1, le=MAX_TTL_SECONDS)


class IssuedToken(BaseModel):
    """A bearer token for `Authorization: Bearer …`."""

    token: str
    expires_at: int = Field(description="Unix seconds.")
    role: str
    subject: str


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    responses={
        401: {"description": "Missing or invalid credentials"},
        403: {"description": "Requires an admin API key or admin token"},
        503: {"description": "The escalation service did not answer in time"},
    },
)
async def issue_token(body: TokenRequest, admin: AdminDep, gateway: GatewayDep) -> IssuedToken:
    """Issue a token of the admin's tenant; an agent becomes available for tickets."""
    if body.role == "agent":
        await escalation_command(
            gateway,
            admin,
            "upsert_agent",
            agent_id=body.subject,
            name=body.display_name or body.subject,
            available=True,
        )
    token, expires_at = gateway.tokens.issue(
        Principal(tenant_id=admin.tenant_id, role=body.role, subject=body.subject),
        ttl_seconds=body.ttl_seconds,
    )
    return IssuedToken(token=token, expires_at=expires_at, role=body.role, subject=body.subject)
