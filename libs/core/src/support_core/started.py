"""What a service builds once its runtime has connected, and closes again when it stops."""

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Generic, TypeVar

from support_core.runtime import ServiceRuntime

T = TypeVar("T")


class Started(Generic[T]):
    """Runs `build` when the runtime starts; what `build` pushed on its stack closes on stop."""

    def __init__(
        self, runtime: ServiceRuntime, build: Callable[[AsyncExitStack], Awaitable[T]]
    ) -> None:
        self._build = build
        self._stack = AsyncExitStack()
        self._built: T | None = None
        runtime.on_start(self.start)
        runtime.on_stop(self._stack.aclose)

    def get(self) -> T:
        """What was built; an error until the service has started."""
        if self._built is None:
            raise RuntimeError("the service has not started")
        return self._built

    async def start(self) -> None:
        """Build (the runtime calls this once it has connected)."""
        self._built = await self._build(self._stack)
