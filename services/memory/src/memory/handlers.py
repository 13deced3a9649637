"""Subscribers of the memory service."""

from contracts import (
    AgentMessageSent,
    CustomerErasureRequested,
    CustomerExportRequested,
    HistoryRequested,
    MemoryRecallRequested,
    TurnCompleted,
)
from memory.components import MemoryComponents
from support_core.runtime import ServiceRuntime


def register(runtime: ServiceRuntime, parts: MemoryComponents) -> None:
    """Attach the memory consumers to the broker."""

    @runtime.consumer(TurnCompleted)
    async def on_turn(turn: TurnCompleted) -> None:
        await parts.store.record_turn(turn)

    @runtime.consumer(AgentMessageSent)
    async def on_agent_message(message: AgentMessageSent) -> None:
        await parts.store.record_agent_message(message)

    @runtime.consumer(MemoryRecallRequested)
    async def on_recall(request: MemoryRecallRequested) -> None:
        await runtime.publisher.reply(request, await parts.store.recall(request))

    @runtime.consumer(HistoryRequested)
    async def on_history(request: HistoryRequested) -> None:
        await runtime.publisher.reply(request, await parts.store.history(request))

    @runtime.consumer(CustomerExportRequested)
    async def on_export(request: CustomerExportRequested) -> None:
        await runtime.publisher.reply(request, await parts.store.export(request))

    @runtime.consumer(CustomerErasureRequested)
    async def on_erasure(request: CustomerErasureRequested) -> None:
        await parts.store.erase(request)
