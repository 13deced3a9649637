"""Escalation assessment, commands, ticket lifecycle events and the per-tenant policy."""

from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from contracts.embedding import Embedding
from contracts.envelope import Event, Model
from contracts.memory import HistoryMessage

Priority = Literal["low", "normal", "high", "urgent"]


class GuidanceRef(Model):
    """A staff-only knowledge-base document relevant to a conversation."""

    document_id: str
    title: str
    score: float = 0.0


class EscalationAssessRequested(Event):
    """Should this turn go to a human?"""

    event_type: Literal["escalation.assess.requested"] = "escalation.assess.requested"
    customer_id: str | None = None
    text: str
    turn_index: int = 0
    retrieval_confidence: float | None = None
    retrieval_degraded: bool = False
    embedding: Embedding | None = Field(
        default=None,
        description="The embedding of `text`, when the sender made one (else it is made here).",
    )
    guidance: list[GuidanceRef] = Field(
        default_factory=list,
        description="Staff-only documents retrieved for the message; kept on a new ticket.",
    )
    facts: list[str] = Field(
        default_factory=list,
        description="What memory knows about the customer, for a new ticket's summary.",
        max_length=20,
    )
    history: list[HistoryMessage] = Field(
        default_factory=list,
        description="The conversation's last messages before this one, for the summary.",
        max_length=20,
    )


class EscalationAssessed(Event):
    """The decision, the reasons and, when escalated, the ticket."""

    event_type: Literal["escalation.assessed"] = "escalation.assessed"
    escalate: bool
    reasons: list[str] = Field(default_factory=list)
    signals: list[str] = Field(
        default_factory=list,
        description="Rules that noticed something without handing off by themselves "
        "(a sensitive topic, a first frustrated message); they raise a ticket's priority.",
    )
    confidence: float = 0.0
    ticket_id: str | None = None
    ticket_state: Literal["open", "assigned", "resolved"] | None = None
    ticket_opened: bool = Field(
        default=False, description="This assessment opened the ticket (it did not exist before)."
    )
    agent_id: str | None = None
    customer_message: str | None = None


class EscalationCommandRequested(Event):
    """An agent or admin acts on escalations (tickets, agents, policy)."""

    event_type: Literal["escalation.command.requested"] = "escalation.command.requested"
    action: Literal[
        "list_tickets",
        "get_ticket",
        "claim",
        "resolve",
        "upsert_agent",
        "list_agents",
        "get_policy",
        "set_policy",
    ]
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


class EscalationSummaryWritten(Event):
    """A new ticket's summary, written by the LLM generator after the extractive one the ticket
    opened with; it replaces that one."""

    event_type: Literal["escalation.summary.written"] = "escalation.summary.written"
    ticket_id: str
    summary: str = Field(max_length=2000)
    written_by: str = Field(description="The generator that wrote it (`openai`, `anthropic`).")


class EscalationUpdated(Event):
    """A ticket's summary was replaced (by the one the LLM generator wrote)."""

    event_type: Literal["escalation.updated"] = "escalation.updated"
    ticket_id: str
    customer_id: str | None = None
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


PRIORITY_ORDER: dict[Priority, int] = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
DEFAULT_PRIORITIES: dict[str, Priority] = {
    "fraud": "urgent",
    "legal_threat": "urgent",
    "lost_or_stolen_card": "high",
    "negative_sentiment": "high",
    "human_request": "normal",
    "complaint": "normal",
    "low_confidence": "normal",
    "turn_limit": "low",
}
DEFAULT_SLA_MINUTES: dict[Priority, int] = {"urgent": 15, "high": 60, "normal": 240, "low": 1440}


class PolicyPart(BaseModel):
    """Base of policy sections: unknown fields are refused, so a typo does not go unnoticed."""

    model_config = ConfigDict(extra="forbid")


class HumanRequestRule(PolicyPart):
    """The customer asks for a person (phrases, plus a similarity classifier)."""

    enabled: bool = True
    extra_phrases: list[str] = Field(default_factory=list, description="Also count as a request.")
    classifier: bool = Field(
        default=True, description="Also use the similarity classifier (if the service loads it)."
    )
    classifier_threshold: float = Field(
        default=0.55, ge=0, le=1, description="Cosine similarity to an example request."
    )
    classifier_max_sentences: int = Field(
        default=4,
        ge=1,
        le=50,
        description="Longer messages are judged by phrases only: the best of many sentences' "
        "similarities is high by chance.",
    )


class SentimentRule(PolicyPart):
    """Frustration: VADER compound score at or below the threshold (-1 … 1), in `consecutive`
    customer messages in a row (a single frustrated message is answered)."""

    enabled: bool = True
    threshold: float = Field(default=-0.6, ge=-1, le=1)
    consecutive: int = Field(default=2, ge=1, le=100)


class LowConfidenceRule(PolicyPart):
    """The knowledge base could not support `consecutive` answers in a row."""

    enabled: bool = True
    threshold: float = Field(default=0.35, ge=0, le=1)
    consecutive: int = Field(default=2, ge=1, le=100)


class SensitiveTopicsRule(PolicyPart):
    """Sensitive topics; any keyword (case-insensitive, whole words) fires. Topics in
    `hand_off` go to a human at once; the others are answered and raise the priority of the
    conversation's ticket if it is handed off for another reason."""

    enabled: bool = True
    hand_off: list[str] = Field(default_factory=lambda: ["legal_threat", "complaint"])
    topics: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "fraud": ["fraud", "fraudulent", "scam", "scammed", "identity theft", "hacked"],
            "lost_or_stolen_card": [
                "lost my card",
                "stolen card",
                "card was stolen",
                "card stolen",
                "lost card",
            ],
            "legal_threat": ["lawyer", "attorney", "sue you", "lawsuit", "legal action", "court"],
            "complaint": ["formal complaint", "file a complaint", "make a complaint", "ombudsman"],
        }
    )


class TurnLimitRule(PolicyPart):
    """The conversation went on too long without resolution."""

    enabled: bool = True
    max_turns: int = Field(default=20, ge=1)


# A wall-clock time in the policy's own time zone, so without the offset JSON Schema's "time"
# format would demand.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "examples": ["09:00"]}
    ),
]


class BusinessHours(PolicyPart):
    """When agents work; outside these hours tickets wait and the customer is told so."""

    timezone: str = "UTC"
    days: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4, 5, 6], description="0 = Monday"
    )
    start: LocalTime = time(0, 0)
    end: LocalTime = time(23, 59, 59)

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, name: str) -> str:
        """An IANA time zone name such as `Europe/Paris`."""
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name

    def open_at(self, moment: datetime) -> bool:
        """Whether agents work at `moment`."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        return local.weekday() in self.days and self.start <= local.time() <= self.end


class EscalationPolicy(PolicyPart):
    """Everything a tenant can configure about hand-off to humans."""

    human_request: HumanRequestRule = Field(default_factory=HumanRequestRule)
    sentiment: SentimentRule = Field(default_factory=SentimentRule)
    low_confidence: LowConfidenceRule = Field(default_factory=LowConfidenceRule)
    sensitive_topics: SensitiveTopicsRule = Field(default_factory=SensitiveTopicsRule)
    turn_limit: TurnLimitRule = Field(default_factory=TurnLimitRule)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    priorities: dict[str, Priority] = Field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    sla_minutes: dict[Priority, Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: dict(DEFAULT_SLA_MINUTES)
    )

    def priority_of(self, reasons: list[str]) -> Priority:
        """The most urgent priority among the reasons."""
        levels: list[Priority] = [self.priorities.get(reason, "normal") for reason in reasons] or [
            "normal"
        ]
        return max(levels, key=PRIORITY_ORDER.__getitem__)

    def sla_for(self, priority: Priority) -> int:
        """Minutes within which an agent should answer a ticket of this priority."""
        return self.sla_minutes.get(priority, DEFAULT_SLA_MINUTES[priority])
