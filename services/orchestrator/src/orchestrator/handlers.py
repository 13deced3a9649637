"""Subscribers of the orchestrator."""

from contracts import ChatMessageReceived
from orchestrator.service import TurnRunner
from support_core.runtime import ServiceRuntime


def register(runtime: ServiceRuntime, runner: TurnRunner) -> None:
    """Attach the orchestrator's consumers to its broker."""

    @runtime.consumer(ChatMessageReceived)
    async def on_message(message: ChatMessageReceived) -> None:
        await runner.run(message)
