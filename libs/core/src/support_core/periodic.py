"""Housekeeping jobs a service runs in the background for its lifetime."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(seconds: float, job: Callable[[], Awaitable[int]], what: str) -> None:
    """After each `seconds`, run `job` (it returns how many things it removed); a failure is
    logged and the job runs again next time."""
    while True:
        await asyncio.sleep(seconds)
        try:
            done = await job()
        except Exception:
            log.exception("%s failed", what)
        else:
            if done:
                log.info("%s removed %d", what, done)
