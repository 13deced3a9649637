"""FastAPI dependencies of the gateway."""

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from gateway.service import Gateway
from gateway.tenants import ApiKeyOwner


def get_gateway(request: Request) -> Gateway:
    """The gateway of this app."""
    gateway: Gateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]


def bearer(authorization: str | None) -> str | None:
    """The credential of an `Authorization: Bearer …` header."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


async def api_key_owner(
    gateway: GatewayDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> ApiKeyOwner:
    """The tenant and role of the API key in `X-API-Key` or `Authorization: Bearer`."""
    key = x_api_key or bearer(authorization)
    owner = await gateway.tenants.resolve(key) if key else None
    if owner is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid API key is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return owner


ApiKeyDep = Annotated[ApiKeyOwner, Depends(api_key_owner)]
