"""Short-lived JWTs for customers' sessions, agents and auditors."""

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import jwt

from contracts import utcnow

Role = Literal["customer", "agent", "auditor", "admin"]
ALGORITHM = "HS256"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role within one tenant, and the subject (session or agent id)."""

    tenant_id: str
    role: Role
    subject: str
    customer_id: str | None = None


class InvalidToken(Exception):
    """The token is missing, malformed, expired or signed with another key."""


class TokenIssuer:
    """Issues and verifies tokens signed with the gateway's secret."""

    def __init__(self, secret: str, *, ttl_seconds: int) -> None:
        self._secret = secret
        self._ttl = ttl_seconds

    def issue(self, principal: Principal, *, ttl_seconds: int | None = None) -> tuple[str, int]:
        """A signed token and its expiry (unix seconds)."""
        # JWT expiry is whole seconds: rounding up keeps a token valid for its full lifetime.
        expires = math.ceil((utcnow() + timedelta(seconds=ttl_seconds or self._ttl)).timestamp())
        claims = {
            "sub": principal.subject,
            "tid": principal.tenant_id,
            "role": principal.role,
            "exp": expires,
        }
        if principal.customer_id:
            claims["cid"] = principal.customer_id
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM), expires

    def verify(self, token: str) -> Principal:
        """The principal of a valid token."""
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return Principal(
            tenant_id=claims["tid"],
            role=claims["role"],
            subject=claims["sub"],
            customer_id=claims.get("cid"),
        )
