"""Event envelope, event catalogue and WebSocket frames shared by every service."""

from contracts.chat import (
    AgentMessageSent,
    AnswerCompleted,
    AnswerDelta,
    AttachmentRef,
    ChatMessageReceived,
    FramesAppended,
    Source,
    ToolCall,
    TurnCompleted,
)
from contracts.envelope import Event, Model, utcnow
from contracts.escalation import (
    EscalationAssessed,
    EscalationAssessRequested,
    EscalationAssigned,
    EscalationCreated,
    EscalationResolved,
)
from contracts.knowledge import (
    DocumentDeleted,
    DocumentDeleteRequested,
    DocumentIngested,
    DocumentIngestFailed,
    DocumentIngestRequested,
    RetrievalCompleted,
    RetrievalRequested,
)
from contracts.memory import (
    CustomerErased,
    CustomerFact,
    HistoryMessage,
    MemoryRecallCompleted,
    MemoryRecallRequested,
)
from contracts.registry import REGISTRY, UnknownEventType, model_for, parse_event

__all__ = [
    "REGISTRY",
    "AgentMessageSent",
    "AnswerCompleted",
    "AnswerDelta",
    "AttachmentRef",
    "ChatMessageReceived",
    "CustomerErased",
    "CustomerFact",
    "DocumentDeleteRequested",
    "DocumentDeleted",
    "DocumentIngestFailed",
    "DocumentIngestRequested",
    "DocumentIngested",
    "EscalationAssessRequested",
    "EscalationAssessed",
    "EscalationAssigned",
    "EscalationCreated",
    "EscalationResolved",
    "Event",
    "FramesAppended",
    "HistoryMessage",
    "MemoryRecallCompleted",
    "MemoryRecallRequested",
    "Model",
    "RetrievalCompleted",
    "RetrievalRequested",
    "Source",
    "ToolCall",
    "TurnCompleted",
    "UnknownEventType",
    "model_for",
    "parse_event",
    "utcnow",
]
