"""Events of a conversation turn."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from contracts.envelope import Event, Model

Audience = Literal["customer", "internal"]
"""Who a knowledge-base document is written for: customers, or staff only."""


class AttachmentRef(Model):
    """A file the customer attached in this session."""

    attachment_id: str
    filename: str
    content_type: str | None = None


class Source(Model):
    """A knowledge-base passage an answer cites."""

    document_id: str
    title: str
    chunk_id: str
    score: float
    snippet: str
    heading_path: list[str] = Field(default_factory=list)
    source_url: str | None = None
    text: str | None = Field(default=None, description="The whole passage (for the generator).")
    audience: Audience = Field(
        default="customer", description="`internal` passages never reach a customer."
    )


class ToolCall(Model):
    """One tool invocation during a turn."""

    name: str
    status: Literal["ok", "error", "timeout", "skipped", "circuit_open"]
    duration_ms: float
    error: str | None = None


class ChatMessageReceived(Event):
    """A customer sent a message; `correlation_id` is the new turn's id."""

    event_type: Literal["chat.message.received"] = "chat.message.received"
    message_id: str = Field(description="The client's message id, for de-duplication.")
    text: str
    attachments: list[AttachmentRef] = Field(default_factory=list)
    customer_id: str | None = None
    gateway_instance: str
    session_seq: int = Field(default=0, description="Order of this message within its session.")
    channel: str = "web"


class TurnCompleted(Event):
    """The whole turn, for memory and audit."""

    event_type: Literal["turn.completed"] = "turn.completed"
    customer_id: str | None = None
    message_id: str
    user_text: str
    answer_text: str
    sources: list[Source] = Field(default_factory=list)
    guidance: list[str] = Field(
        default_factory=list,
        description="Staff-only documents the turn consulted (never shown to the customer).",
    )
    tools_called: list[ToolCall] = Field(default_factory=list)
    degraded: list[str] = Field(default_factory=list)
    generator: str
    escalated: bool = False
    ticket_id: str | None = None
    confidence: float | None = Field(
        default=None, description="The knowledge base's confidence in what it found (0–1)."
    )
    handled_by: Literal["assistant", "agent"] = "assistant"
    turn_index: int = 0
    started_at: datetime
    completed_at: datetime
    timings_ms: dict[str, float] = Field(default_factory=dict)
    trace_id: str | None = None


class AgentMessageSent(Event):
    """A human agent replied to the customer."""

    event_type: Literal["agent.message.sent"] = "agent.message.sent"
    ticket_id: str
    agent_id: str
    customer_id: str | None = None
    text: str


class ConversationRated(Event):
    """The customer scored (1–5) the help of the person who resolved the ticket, once."""

    event_type: Literal["conversation.rated"] = "conversation.rated"
    ticket_id: str
    customer_id: str | None = None
    score: int = Field(ge=1, le=5)
    comment: str | None = None


class AnswerRated(Event):
    """The customer rated an answer (`correlation_id` is its turn); a turn is rated once."""

    event_type: Literal["answer.rated"] = "answer.rated"
    customer_id: str | None = None
    rating: Literal["up", "down"]
    comment: str | None = None


class FramesAppended(Event):
    """New frames for a session's client, up to `seq`; sent to the gateway instances holding it.

    While Redis is unreachable the producer cannot store frames, so it sends them here (`frames`,
    serialised, `seq` 0) and the gateway holding the socket numbers and keeps them.
    """

    event_type: Literal["session.frames.appended"] = "session.frames.appended"
    seq: int
    frames: list[str] = Field(default_factory=list)
