"""Subscribers of the orchestrator."""

from contracts import ChatMessageReceived
from orchestrator.service import TurnRunner
from support_core.runtime import ServiceRuntime
from support_core.started import Started


def register(runtime: ServiceRuntime, runner: Started[TurnRunner]) -> None:
    """Attach the orchestrator's consumers to its broker."""

    @runtime.consumer(ChatMessageReceived)
    async def on_message(message: ChatMessageReceived) -> None:
        await runner.get().run(message)
