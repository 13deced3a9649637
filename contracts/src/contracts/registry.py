"""Routing key → event model."""

from typing import Any

from contracts.analytics import (
    AuditGapsCompleted,
    AuditGapsRequested,
    AuditSummaryCompleted,
    AuditSummaryRequested,
)
from contracts.audit import (
    AuditQueryCompleted,
    AuditQueryRequested,
    AuditVerifyCompleted,
    AuditVerifyRequested,
)
from contracts.chat import (
    AgentMessageSent,
    AnswerRated,
    ChatMessageReceived,
    ConversationRated,
    FramesAppended,
    TurnCompleted,
)
from contracts.envelope import Event
from contracts.escalation import (
    EscalationAssessed,
    EscalationAssessRequested,
    EscalationAssigned,
    EscalationCommandCompleted,
    EscalationCommandRequested,
    EscalationCreated,
    EscalationResolved,
    EscalationSummaryWritten,
    EscalationUpdated,
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
    CustomerErasureRequested,
    CustomerExportCompleted,
    CustomerExportRequested,
    HistoryCompleted,
    HistoryRequested,
    MemoryRecallCompleted,
    MemoryRecallRequested,
)

EVENT_MODELS: tuple[type[Event], ...] = (
    ChatMessageReceived,
    MemoryRecallRequested,
    MemoryRecallCompleted,
    RetrievalRequested,
    RetrievalCompleted,
    EscalationAssessRequested,
    EscalationAssessed,
    FramesAppended,
    TurnCompleted,
    EscalationCreated,
    EscalationSummaryWritten,
    EscalationUpdated,
    EscalationAssigned,
    EscalationResolved,
    AgentMessageSent,
    AnswerRated,
    ConversationRated,
    DocumentIngestRequested,
    DocumentIngested,
    DocumentIngestFailed,
    DocumentDeleteRequested,
    DocumentDeleted,
    CustomerErased,
    HistoryRequested,
    HistoryCompleted,
    CustomerExportRequested,
    CustomerExportCompleted,
    CustomerErasureRequested,
    EscalationCommandRequested,
    EscalationCommandCompleted,
    AuditQueryRequested,
    AuditQueryCompleted,
    AuditVerifyRequested,
    AuditVerifyCompleted,
    AuditSummaryRequested,
    AuditSummaryCompleted,
    AuditGapsRequested,
    AuditGapsCompleted,
)

REGISTRY: dict[str, type[Event]] = {model.routing_key(): model for model in EVENT_MODELS}


class UnknownEventType(KeyError):
    """No model is registered for this routing key."""


def model_for(routing_key: str) -> type[Event]:
    """Return the model registered for a routing key."""
    try:
        return REGISTRY[routing_key]
    except KeyError:
        raise UnknownEventType(routing_key) from None


def parse_event(data: bytes | str | dict[str, Any]) -> Event:
    """Parse any catalogued event, choosing the model by its `event_type`."""
    if isinstance(data, dict):
        return model_for(str(data.get("event_type"))).model_validate(data)
    probe = Event.model_validate_json(data)
    return model_for(probe.event_type).model_validate_json(data)
