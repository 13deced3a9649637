"""Subscribers of the memory service."""

from contracts import (
    AgentMessageSent,
    CustomerErasureRequested,
    CustomerExportRequested,
    HistoryRequested,
    MemoryRecallRequested,
    TurnCompleted,
)
from memory.service import MemoryStore
from support_core.runtime import ServiceRuntime
from support_core.started import Started


def register(runtime: ServiceRuntime, store: Started[MemoryStore]) -> None:
    """Attach the memory consumers to the broker."""

    @runtime.consumer(TurnCompleted)
    async def on_turn(turn: TurnCompleted) -> None:
        await store.get().record_turn(turn)

    @runtime.consumer(AgentMessageSent)
    async def on_agent_message(message: AgentMessageSent) -> None:
        await store.get().record_agent_message(message)

    @runtime.consumer(MemoryRecallRequested)
    async def on_recall(request: MemoryRecallRequested) -> None:
        await runtime.publisher.reply(request, await store.get().recall(request))

    @runtime.consumer(HistoryRequested)
    async def on_history(request: HistoryRequested) -> None:
        await runtime.publisher.reply(request, await store.get().history(request))

    @runtime.consumer(CustomerExportRequested)
    async def on_export(request: CustomerExportRequested) -> None:
        await runtime.publisher.reply(request, await store.get().export(request))

    @runtime.consumer(CustomerErasureRequested)
    async def on_erasure(request: CustomerErasureRequested) -> None:
        await store.get().erase(request)
