"""Run a service: `python -m <service>` serves its app with the platform's uvicorn options."""

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from support_core.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(create_app: Callable[[S], FastAPI], settings: S) -> None:
    """Serve until SIGTERM/SIGINT, then shut down gracefully (stop consuming, drain, close)."""
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        # uvicorn's websockets-sansio protocol can miss a client's close under uvloop
        # (reading paused while the close frame arrives); wsproto delivers it reliably.
        ws="wsproto",
        ws_max_size=1 << 20,
        log_config=None,
        timeout_graceful_shutdown=int(settings.rabbitmq.graceful_timeout),
    )
