"""Browser-facing protection: security headers on every HTTP response and the CORS allow-list."""

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.settings import GatewaySettings


def security_headers(settings: GatewaySettings) -> list[tuple[bytes, bytes]]:
    """Headers that keep the pages to their own origin (scripts, styles, sockets)."""
    ancestors = " ".join(settings.frame_ancestors) or "'none'"
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {ancestors}"
    )
    headers = {
        "content-security-policy": policy,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
    }
    if not settings.frame_ancestors:
        headers["x-frame-options"] = "DENY"
    if settings.hsts_seconds:
        headers["strict-transport-security"] = f"max-age={settings.hsts_seconds}; includeSubDomains"
    return [(name.encode(), value.encode()) for name, value in headers.items()]


class SecurityHeaders:
    """ASGI middleware adding fixed headers to HTTP responses (not WebSocket handshakes)."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in self.headers if h[0] not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def protect(app: FastAPI, settings: GatewaySettings) -> None:
    """Add the security headers and, if origins are configured, CORS for them."""
    app.add_middleware(SecurityHeaders, headers=security_headers(settings))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
            expose_headers=["Retry-After"],
            max_age=600,
        )
