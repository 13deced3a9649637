"""The service-defaults function: every service's HTTP face is built here."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from support_core.observability.health import health_router
from support_core.observability.http_metrics import HttpMetrics
from support_core.runtime import ServiceRuntime


def service_app(
    runtime: ServiceRuntime, *, routers: tuple[APIRouter, ...] = (), **fastapi: Any
) -> FastAPI:
    """A FastAPI app whose lifespan runs the runtime, with health, readiness, metrics, tracing."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"support {runtime.service}", lifespan=lifespan, **fastapi)
    app.state.runtime = runtime
    app.add_middleware(HttpMetrics, registry=runtime.metrics)
    app.include_router(health_router(runtime.readiness_checks, runtime.metrics))
    for router in routers:
        app.include_router(router)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=runtime.tracer_provider,
        # WebSocket streams are traced per message by the gateway, not per send/receive.
        excluded_urls="healthz,readyz,metrics,/stream",
    )
    return app
