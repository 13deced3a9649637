"""FastAPI dependencies of the gateway."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from gateway.service import Gateway
from gateway.tenants import ApiKeyOwner
from gateway.tokens import InvalidToken, Principal, Role


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


def unauthorized(detail: str) -> HTTPException:
    """401 with the challenge header."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def api_key_owner(
    gateway: GatewayDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> ApiKeyOwner:
    """The tenant and role of the API key in `X-API-Key` or `Authorization: Bearer`."""
    key = x_api_key or bearer(authorization)
    owner = await gateway.tenants.resolve(key) if key else None
    if owner is None:
        raise unauthorized("a valid API key is required")
    return owner


ApiKeyDep = Annotated[ApiKeyOwner, Depends(api_key_owner)]


async def principal(
    gateway: GatewayDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    """Who calls: a token (customer, agent, auditor, admin) or a tenant's admin API key."""
    credential = x_api_key or bearer(authorization)
    if not credential:
        raise unauthorized("credentials are required")
    if credential.count(".") == 2:
        try:
            return gateway.tokens.verify(credential)
        except InvalidToken as exc:
            raise unauthorized(f"invalid token: {exc}") from None
    owner = await gateway.tenants.resolve(credential)
    if owner is None or owner.role != "admin":
        raise unauthorized("a valid admin API key is required")
    return Principal(tenant_id=owner.tenant_id, role="admin", subject="api-key")


PrincipalDep = Annotated[Principal, Depends(principal)]


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """Dependency factory: the caller must have one of `roles`."""

    def check(caller: PrincipalDep) -> Principal:
        if caller.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"requires role {' or '.join(roles)}")
        return caller

    return check


AdminDep = Annotated[Principal, Depends(require("admin"))]
