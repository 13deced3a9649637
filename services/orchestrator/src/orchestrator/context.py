"""What a turn knows as it goes through its steps."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts import (
    AnswerCompleted,
    ChatMessageReceived,
    Embedding,
    EscalationAssessed,
    MemoryRecallCompleted,
    RetrievalCompleted,
    ToolCall,
    utcnow,
)
from support_core.session_state import Snapshot


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
    completed: AnswerCompleted | None = None
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
