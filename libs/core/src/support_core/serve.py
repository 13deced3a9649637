"""Run a service: `python -m <service>` serves its app with the platform's uvicorn options."""

import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

import uvicorn
from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from support_core.runtime import ServiceRuntime
from support_core.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)
STARTUP_FAILED = 3


class DrainingServer(uvicorn.Server):
    """On SIGTERM/SIGINT stop taking messages at once, while HTTP connections wind down."""

    def __init__(self, config: uvicorn.Config, runtime: ServiceRuntime) -> None:
        super().__init__(config)
        self._runtime = runtime

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Begin draining the work queues, then let uvicorn shut down as usual."""
        super().handle_exit(sig, frame)
        self._runtime.stop_consuming_soon()


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(create_app: Callable[[S], FastAPI], settings: S) -> None:
    """Serve until SIGTERM/SIGINT, then shut down gracefully (stop consuming, drain, close).

    Exits 0 after a graceful shutdown, 3 when startup failed.
    """
    # A service scales by processes, one per core at most: a BLAS thread pool per process only
    # spins and waits for a core that another service holds (a 0.14 ms product took ~1 ms).
    threadpool_limits(limits=1)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        # uvicorn's websockets-sansio protocol can miss a client's close under uvloop
        # (reading paused while the close frame arrives); wsproto delivers it reliably.
        ws="wsproto",
        ws_max_size=1 << 20,
        ws_ping_interval=settings.websocket_ping_seconds,
        ws_ping_timeout=settings.websocket_ping_seconds,
        log_config=None,
        timeout_graceful_shutdown=int(settings.rabbitmq.graceful_timeout),
    )
    server = DrainingServer(config, app.state.runtime)
    # After its graceful shutdown uvicorn restores the previous handler and raises the signal
    # again; with the default handlers the process would die of SIGTERM instead of exiting 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_cleanly)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILED)
