"""Subscribers of the orchestrator."""

from contracts import ChatMessageReceived
from orchestrator.components import OrchestratorComponents
from support_core.runtime import ServiceRuntime


def register(runtime: ServiceRuntime, parts: OrchestratorComponents) -> None:
    """Attach the orchestrator's consumers to its broker."""

    @runtime.consumer(ChatMessageReceived)
    async def on_message(message: ChatMessageReceived) -> None:
        await parts.runner.run(message)
