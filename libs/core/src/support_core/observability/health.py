"""`/healthz`, `/readyz` and `/metrics` for every service."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

Probe = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True)
class ReadinessCheck:
    """A dependency probe; a failing non-critical check degrades the service instead of failing."""

    name: str
    probe: Probe
    critical: bool = True


async def _run(check: ReadinessCheck, timeout: float) -> dict[str, object]:
    try:
        async with asyncio.timeout(timeout):
            detail = await check.probe()
    except Exception as exc:  # a probe reports any failure as "down", never raises
        return {"ok": False, "critical": check.critical, "detail": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "critical": check.critical, "detail": detail}


def health_router(
    checks: Callable[[], list[ReadinessCheck]], metrics: CollectorRegistry, *, timeout: float = 2.0
) -> APIRouter:
    """Routes for liveness, readiness and Prometheus scraping."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness of the broker, database, Redis and service dependencies",
        responses={503: {"description": "A critical dependency is unreachable"}},
    )
    async def readyz() -> JSONResponse:
        todo = checks()
        results = dict(
            zip(
                (c.name for c in todo),
                await asyncio.gather(*(_run(c, timeout) for c in todo)),
                strict=True,
            )
        )
        failed = [r for r in results.values() if not r["ok"]]
        if any(r["critical"] for r in failed):
            status, code = "unavailable", 503
        else:
            status, code = ("degraded" if failed else "ready"), 200
        return JSONResponse({"status": status, "checks": results}, status_code=code)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)

    return router
