"""Escalation assessment and ticket lifecycle events."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from contracts.envelope import Event

Priority = Literal["low", "normal", "high", "urgent"]


class EscalationAssessRequested(Event):
    """Should this turn go to a human?"""

    event_type: Literal["escalation.assess.requested"] = "escalation.assess.requested"
    customer_id: str | None = None
    text: str
    turn_index: int = 0
    retrieval_confidence: float | None = None
    retrieval_degraded: bool = False


class EscalationAssessed(Event):
    """The decision, the reasons and, when escalated, the ticket."""

    event_type: Literal["escalation.assessed"] = "escalation.assessed"
    escalate: bool
    reasons: list[str] = Field(default_factory=list)
    confidence: float = 0.0
    ticket_id: str | None = None
    ticket_state: Literal["open", "assigned", "resolved"] | None = None
    agent_id: str | None = None
    customer_message: str | None = None


class EscalationCommandRequested(Event):
    """An agent or admin acts on escalations (claim, resolve, agents, policy)."""

    event_type: Literal["escalation.command.requested"] = "escalation.command.requested"
    action: Literal["claim", "resolve", "upsert_agent", "list_agents", "get_policy", "set_policy"]
    payload: dict[str, Any] = Field(default_factory=dict)


class EscalationCommandCompleted(Event):
    """The outcome of a command: `status` as HTTP would say it."""

    event_type: Literal["escalation.command.completed"] = "escalation.command.completed"
    status: int = 200
    error: str | None = None
    data: Any = None


class EscalationCreated(Event):
    """A ticket was opened for a human agent."""

    event_type: Literal["escalation.created"] = "escalation.created"
    ticket_id: str
    customer_id: str | None = None
    reasons: list[str]
    priority: Priority
    sla_due_at: datetime
    summary: str


class EscalationAssigned(Event):
    """A ticket was assigned to an agent."""

    event_type: Literal["escalation.assigned"] = "escalation.assigned"
    ticket_id: str
    agent_id: str
    agent_name: str | None = None
    customer_id: str | None = None


class EscalationResolved(Event):
    """A ticket was resolved; the session returns to the assistant."""

    event_type: Literal["escalation.resolved"] = "escalation.resolved"
    ticket_id: str
    agent_id: str | None = None
    customer_id: str | None = None
    resolution: str | None = None
