"""FastAPI dependencies of the gateway."""

from collections.abc import Iterable, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Security, status
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gateway.service import Gateway
from gateway.sessions import ChatSession
from gateway.tenants import ApiKeyOwner
from gateway.tokens import InvalidToken, Principal, Role


def get_gateway(request: Request) -> Gateway:
    """The gateway of this app."""
    gateway: Gateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
ApiKeyHeader = Annotated[
    str | None,
    Security(
        APIKeyHeader(
            name="X-API-Key",
            auto_error=False,
            description="A tenant's API key: admin (`sk_…`) or public widget key (`pk_…`).",
        )
    ),
]
BearerHeader = Annotated[
    HTTPAuthorizationCredentials | None,
    Security(
        HTTPBearer(
            auto_error=False,
            description="A token (session, agent, auditor or admin) or an API key.",
        )
    ),
]


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


def credential_of(x_api_key: str | None, authorization: HTTPAuthorizationCredentials | None) -> str:
    """`X-API-Key`, else the `Authorization: Bearer` credential ("" if neither)."""
    return x_api_key or (authorization.credentials if authorization else "")


async def api_key_owner(
    gateway: GatewayDep, x_api_key: ApiKeyHeader, authorization: BearerHeader
) -> ApiKeyOwner:
    """The tenant and role of the API key in `X-API-Key` or `Authorization: Bearer`; an admin
    token counts as the tenant's admin key (operators' tools hold tokens, not keys)."""
    key = credential_of(x_api_key, authorization)
    if key.count(".") == 2:
        try:
            caller = gateway.tokens.verify(key)
        except InvalidToken as exc:
            raise unauthorized(f"invalid token: {exc}") from None
        if caller.role == "admin":
            return ApiKeyOwner(tenant_id=caller.tenant_id, role="admin")
        raise unauthorized("a valid API key or admin token is required")
    owner = await gateway.tenants.resolve(key) if key else None
    if owner is None:
        raise unauthorized("a valid API key is required")
    return owner


ApiKeyDep = Annotated[ApiKeyOwner, Depends(api_key_owner)]


async def principal(
    gateway: GatewayDep, x_api_key: ApiKeyHeader, authorization: BearerHeader
) -> Principal:
    """Who calls: a token (customer, agent, auditor, admin) or a tenant's admin API key."""
    credential = credential_of(x_api_key, authorization)
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


class RoleCheck:
    """Dependency: the caller must have one of `roles` (else 403)."""

    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = roles

    def __call__(self, caller: PrincipalDep) -> Principal:
        if caller.role not in self.roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"requires role {' or '.join(self.roles)}"
            )
        return caller


def require(*roles: Role) -> RoleCheck:
    """Dependency factory: the caller must have one of `roles`."""
    return RoleCheck(roles)


AdminDep = Annotated[Principal, Depends(require("admin"))]
AgentOrAdmin = Annotated[Principal, Depends(require("agent", "admin"))]


def dependency_calls(dependant: Dependant) -> Iterator[object]:
    """Every dependency callable of a route, nested ones included."""
    for sub in dependant.dependencies:
        yield sub.call
        yield from dependency_calls(sub)


def document_auth_errors(routers: Iterable[APIRouter]) -> None:
    """Declare 401 on routes that need credentials and 403 on those that need a role."""
    for route in (route for router in routers for route in router.routes):
        if not isinstance(route, APIRoute):
            continue
        calls = list(dependency_calls(route.dependant))
        if any(call in (principal, api_key_owner) for call in calls):
            route.responses.setdefault(401, {"description": "Missing or invalid credentials"})
        if any(isinstance(call, RoleCheck) for call in calls):
            route.responses.setdefault(403, {"description": "The caller's role may not do this"})


async def own_session(gateway: Gateway, caller: Principal, session_id: str) -> ChatSession:
    """The caller's session; anything else is answered like a missing session."""
    vouched = ChatSession(session_id, caller.tenant_id, caller.customer_id)
    session = (
        await gateway.sessions.get(
            caller.tenant_id, session_id, vouched=vouched if caller.role == "customer" else None
        )
        if caller.role != "customer" or caller.subject == session_id
        else None
    )
    if session is None:
        raise HTTPException(404, "no such session")
    return session
