"""The tools every turn may use: memory recall, knowledge-base search, escalation assessment."""

from dataclasses import dataclass

from contracts import (
    EscalationAssessed,
    EscalationAssessRequested,
    MemoryRecallCompleted,
    MemoryRecallRequested,
    RetrievalCompleted,
    RetrievalRequested,
)
from orchestrator.context import TurnContext
from orchestrator.tools import ToolFailed, ToolResult
from support_core.messaging.instance import InstanceRoute


@dataclass
class MemoryRecallTool:
    """Recent history and relevant customer facts."""

    instance: InstanceRoute
    timeout: float
    name: str = "memory"

    async def run(self, context: TurnContext) -> ToolResult:
        """Ask the memory service."""
        message = context.message
        request = message.follow(
            MemoryRecallRequested,
            customer_id=message.customer_id,
            query=message.text,
            embedding=context.embedding,
        )
        reply = await self.instance.request(request, MemoryRecallCompleted, timeout=self.timeout)
        return ToolResult(True, reply, {"facts": len(reply.facts), "history": len(reply.history)})


@dataclass
class KnowledgeSearchTool:
    """Passages of the knowledge base (and the session's attachments)."""

    instance: InstanceRoute
    timeout: float
    top_k: int
    name: str = "retrieval"

    async def run(self, context: TurnContext) -> ToolResult:
        """Ask the retrieval service."""
        request = context.message.follow(
            RetrievalRequested,
            query=context.message.text,
            top_k=self.top_k,
            embedding=context.embedding,
        )
        reply = await self.instance.request(request, RetrievalCompleted, timeout=self.timeout)
        if reply.error:
            raise ToolFailed(reply.error)
        return ToolResult(
            True, reply, {"passages": len(reply.chunks), "confidence": reply.confidence}
        )


@dataclass
class EscalationAssessTool:
    """Whether this turn should go to a human."""

    instance: InstanceRoute
    timeout: float
    name: str = "escalation"

    async def run(self, context: TurnContext) -> ToolResult:
        """Ask the escalation service."""
        message = context.message
        retrieval = context.retrieval
        request = message.follow(
            EscalationAssessRequested,
            customer_id=message.customer_id,
            text=message.text,
            turn_index=context.turn_index,
            retrieval_confidence=retrieval.confidence if retrieval else None,
            retrieval_degraded="retrieval" in context.degraded,
            embedding=context.embedding,
        )
        reply = await self.instance.request(request, EscalationAssessed, timeout=self.timeout)
        return ToolResult(True, reply, {"escalate": reply.escalate, "reasons": reply.reasons})
