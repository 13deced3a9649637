"""Events between the orchestrator and the memory service."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from contracts.envelope import Event, Model


class HistoryMessage(Model):
    """One message of the conversation history."""

    role: Literal["customer", "assistant", "agent"]
    text: str
    at: datetime


class CustomerFact(Model):
    """Something known about the customer."""

    fact_type: str
    content: str
    score: float = 0.0


class MemoryRecallRequested(Event):
    """The orchestrator needs context for a new message."""

    event_type: Literal["memory.recall.requested"] = "memory.recall.requested"
    customer_id: str | None = None
    query: str
    max_turns: int = 10
    max_facts: int = 5
    token_budget: int = 1000


class MemoryRecallCompleted(Event):
    """Recent history and the customer facts relevant to the new message."""

    event_type: Literal["memory.recall.completed"] = "memory.recall.completed"
    history: list[HistoryMessage] = Field(default_factory=list)
    facts: list[CustomerFact] = Field(default_factory=list)


class CustomerErased(Event):
    """A customer's data was erased; every service purges what it holds about them."""

    event_type: Literal["customer.erased"] = "customer.erased"
    customer_id: str
