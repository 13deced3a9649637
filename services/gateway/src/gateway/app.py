"""Gateway application factory."""

from pathlib import Path

from fastapi import FastAPI

from gateway import handlers, handoff
from gateway.deps import document_auth_errors
from gateway.models import metadata
from gateway.pages import routes as pages
from gateway.rest import (
    agent_stream,
    analytics_api,
    api_docs,
    audit_api,
    customers,
    escalations_api,
    kb,
    sessions_api,
    tokens_api,
)
from gateway.security import protect
from gateway.service import Gateway
from gateway.settings import GatewaySettings
from gateway.websocket import echo
from gateway.websocket import route as ws
from support_core.app import service_app
from support_core.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "REST API of the support platform. Customers chat over the WebSocket "
    "`/v1/sessions/{session_id}/stream` (protocol: docs/websocket-protocol.md). "
    'Errors answer `{"detail": …}`; `429` and `503` carry `Retry-After`.'
)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Build the gateway; it connects when the app starts."""
    settings = settings or GatewaySettings()
    runtime = ServiceRuntime(
        settings, metadata=metadata, migrations=MIGRATIONS, instance_route=True
    )
    gateway = Gateway(runtime, settings)
    handlers.register(gateway)
    handlers.register_projections(gateway)
    handoff.register(gateway)
    runtime.on_start(gateway.bootstrap)
    routers = (
        sessions_api.router,
        customers.router,
        kb.router,
        ws.router,
        tokens_api.router,
        escalations_api.router,
        agent_stream.router,
        audit_api.router,
        analytics_api.router,
        pages.router,
        api_docs.router,
    )
    document_auth_errors(routers)
    app = service_app(
        runtime,
        routers=routers,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    if settings.environment == "test":
        app.include_router(echo.router)
    app.mount(api_docs.ASSETS, api_docs.assets, name="api-docs")
    app.mount("/static", pages.static, name="static")
    protect(app, settings)
    app.state.gateway = gateway
    return app
