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
from contracts.escalation import GuidanceRef
from orchestrator.context import TurnContext, staff_only
from orchestrator.tools import ToolFailed, ToolResult
from support_core.messaging.instance import InstanceRoute

# What a new ticket's summary may draw on (docs/escalation.md).
SUMMARY_FACTS = 6
SUMMARY_MESSAGES = 4


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
    guidance_top_k: int = 0
    name: str = "retrieval"

    async def run(self, context: TurnContext) -> ToolResult:
        """Ask the retrieval service: customer-facing passages, and staff guidance apart."""
        request = context.message.follow(
            RetrievalRequested,
            query=context.message.text,
            top_k=self.top_k,
            embedding=context.embedding,
            audiences=["customer"],
            guidance_top_k=self.guidance_top_k,
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
        message, retrieval, memory = context.message, context.retrieval, context.memory
        request = message.follow(
            EscalationAssessRequested,
            customer_id=message.customer_id,
            text=message.text,
            turn_index=context.turn_index,
            retrieval_confidence=retrieval.confidence if retrieval else None,
            retrieval_degraded="retrieval" in context.degraded,
            embedding=context.embedding,
            guidance=[
                GuidanceRef(document_id=p.document_id, title=p.title, score=p.score)
                for p in staff_only(retrieval)
            ],
            facts=[fact.content for fact in memory.facts[:SUMMARY_FACTS]] if memory else [],
            history=memory.history[-SUMMARY_MESSAGES:] if memory else [],
        )
        reply = await self.instance.request(request, EscalationAssessed, timeout=self.timeout)
        return ToolResult(True, reply, {"escalate": reply.escalate, "reasons": reply.reasons})
