"""What a turn knows as it goes through its steps."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts import (
    ChatMessageReceived,
    Embedding,
    EscalationAssessed,
    EscalationSummaryWritten,
    MemoryRecallCompleted,
    RetrievalCompleted,
    Source,
    ToolCall,
    utcnow,
)
from contracts.frames import AnswerCompletedFrame
from orchestrator.generators.base import Request
from support_core.session_state import Snapshot


def customer_facing(sources: list[Source]) -> list[Source]:
    """Only what may be shown and cited to a customer."""
    return [source for source in sources if source.audience == "customer"]


def staff_only(retrieval: RetrievalCompleted | None) -> list[Source]:
    """The staff-only passages of a search: its guidance, and any internal passage among its
    results (an older retrieval service may not keep them apart)."""
    if retrieval is None:
        return []
    passages = [*retrieval.chunks, *retrieval.guidance]
    return [source for source in passages if source.audience != "customer"]


def distinct_documents(sources: list[Source]) -> list[str]:
    """Document ids of passages, in order, once each."""
    return list(dict.fromkeys(source.document_id for source in sources))


def requests_of(retrieval: RetrievalCompleted | None) -> list[Request]:
    """The message's requests with their customer-facing passages."""
    if retrieval is None:
        return []
    by_id = {source.chunk_id: source for source in customer_facing(retrieval.chunks)}
    return [
        Request(
            match.text,
            [by_id[chunk_id] for chunk_id in match.chunk_ids if chunk_id in by_id],
            match.confidence,
            list(match.names),
        )
        for match in retrieval.requests
    ]


@dataclass(frozen=True)
class Answer:
    """What the assistant answered, as `turn.completed` records it."""

    text: str
    sources: list[Source]
    generator: str
    escalated: bool
    ticket_id: str | None
    confidence: float | None


@dataclass
class TurnContext:
    """One turn's inputs, findings and record."""

    message: ChatMessageReceived
    started_at: datetime = field(default_factory=utcnow)
    step: str = "received"
    state: Snapshot = field(default_factory=Snapshot)
    turn_index: int = 0
    embedding: Embedding | None = None
    memory: MemoryRecallCompleted | None = None
    retrieval: RetrievalCompleted | None = None
    assessment: EscalationAssessed | None = None
    customer_record: dict[str, Any] | None = None
    answer: Answer | None = None
    answer_frame: AnswerCompletedFrame | None = None
    handoff_summary: EscalationSummaryWritten | None = None
    tools_called: list[ToolCall] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def turn_id(self) -> str:
        """The turn id (the message's correlation id)."""
        return str(self.message.correlation_id)

    @property
    def session_id(self) -> str:
        """The session of the turn."""
        assert self.message.session_id is not None
        return self.message.session_id

    def degrade(self, what: str) -> None:
        """Note that `what` could not be used in this turn."""
        if what not in self.degraded:
            self.degraded.append(what)
