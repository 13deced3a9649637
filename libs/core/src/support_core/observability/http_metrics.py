"""HTTP request counts and latency per route template (Prometheus)."""

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNTRACKED = frozenset({"/metrics", "/healthz", "/readyz"})


class HttpMetrics:
    """ASGI middleware: `support_http_requests_total` and `support_http_request_seconds`."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self._app = app
        self._requests = Counter(
            "support_http_requests",
            "HTTP requests by method, route and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self._seconds = Histogram(
            "support_http_request_seconds",
            "HTTP request duration by route",
            ["route"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNTRACKED:
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, capture)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self._requests.labels(scope["method"], route, str(status)).inc()
            self._seconds.labels(route).observe(time.perf_counter() - started)
