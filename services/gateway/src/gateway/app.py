"""Gateway application factory."""

from pathlib import Path

from fastapi import FastAPI

from gateway import api, customers, handlers, kb, ws
from gateway.models import metadata
from gateway.service import Gateway
from gateway.settings import GatewaySettings
from support_core.app import service_app
from support_core.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Build the gateway; it connects when the app starts."""
    settings = settings or GatewaySettings()
    runtime = ServiceRuntime(
        settings, metadata=metadata, migrations=MIGRATIONS, instance_route=True
    )
    gateway = Gateway(runtime, settings)
    handlers.register(gateway)
    handlers.register_projections(gateway)
    runtime.on_start(gateway.bootstrap)
    app = service_app(runtime, routers=(api.router, customers.router, kb.router, ws.router))
    app.state.gateway = gateway
    return app
