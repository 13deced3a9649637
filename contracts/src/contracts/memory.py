"""Events between the orchestrator and the memory service."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from contracts.embedding import Embedding
from contracts.envelope import Event, Model


class HistoryMessage(Model):
    """One message of the conversation history."""

    role: Literal["customer", "assistant", "agent"]
    text: str
    at: datetime
    message_id: int | None = None
    session_id: str | None = None
    turn_id: str | None = None


class CustomerFact(Model):
    """Something known about the customer."""

    fact_type: str
    content: str
    score: float = 0.0
    fact_id: str | None = None
    importance: float | None = None
    created_at: datetime | None = None
    last_accessed_at: datetime | None = None
    access_count: int | None = None
    expires_at: datetime | None = None
    deleted_at: datetime | None = None


class MemoryRecallRequested(Event):
    """The orchestrator needs context for a new message."""

    event_type: Literal["memory.recall.requested"] = "memory.recall.requested"
    customer_id: str | None = None
    query: str
    max_turns: int = 10
    max_facts: int = 5
    token_budget: int = 1000
    embedding: Embedding | None = Field(
        default=None,
        description="The embedding of `query`, when the sender made one (else it is made here).",
    )


class MemoryRecallCompleted(Event):
    """Recent history and the customer facts relevant to the new message."""

    event_type: Literal["memory.recall.completed"] = "memory.recall.completed"
    history: list[HistoryMessage] = Field(default_factory=list)
    facts: list[CustomerFact] = Field(default_factory=list)


class HistoryRequested(Event):
    """A page of a session's messages, newest first, older than `before` (a message id)."""

    event_type: Literal["memory.history.requested"] = "memory.history.requested"
    limit: int = 50
    before: int | None = None


class HistoryCompleted(Event):
    """A page of messages, newest first; `next_before` fetches the page before it."""

    event_type: Literal["memory.history.completed"] = "memory.history.completed"
    messages: list[HistoryMessage] = Field(default_factory=list)
    next_before: int | None = None


class CustomerExportRequested(Event):
    """Everything the platform holds about a customer, for a data-access request."""

    event_type: Literal["customer.export.requested"] = "customer.export.requested"
    customer_id: str


class CustomerExportCompleted(Event):
    """What the memory service holds about the customer."""

    event_type: Literal["customer.export.completed"] = "customer.export.completed"
    customer_id: str
    messages: list[HistoryMessage] = Field(default_factory=list)
    facts: list[CustomerFact] = Field(default_factory=list)


class CustomerErasureRequested(Event):
    """An admin asked to erase a customer's data everywhere."""

    event_type: Literal["customer.erasure.requested"] = "customer.erasure.requested"
    customer_id: str


class CustomerErased(Event):
    """A customer's data was erased; every service purges what it holds about them."""

    event_type: Literal["customer.erased"] = "customer.erased"
    customer_id: str
