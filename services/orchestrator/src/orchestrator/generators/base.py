"""What every answer generator gets and gives."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from contracts import CustomerFact, HistoryMessage, Source

DONT_KNOW = (
    "I'm sorry, I couldn't find a reliable answer to that in our help center. "
    "Would you like me to connect you with a member of our support team?"
)
CANNOT_LOOK_UP = (
    "I can't look that up right now. Please try again in a moment, or I can connect you "
    "with a member of our support team."
)


@dataclass(frozen=True)
class Request:
    """One of the requests the customer's message makes, and the passages found for it."""

    text: str
    sources: list[Source]
    confidence: float | None
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GenerationInput:
    """Everything an answer may draw on."""

    question: str
    sources: list[Source]
    confidence: float | None
    # Staff-only passages: how the company handles such requests; never shown or cited.
    guidance: list[Source] = field(default_factory=list)
    # The message's requests in the order asked; none means the question is one request.
    requests: list[Request] = field(default_factory=list)
    # False when the knowledge base could not be searched (as opposed to: nothing matched).
    knowledge_available: bool = True
    facts: list[CustomerFact] = field(default_factory=list)
    history: list[HistoryMessage] = field(default_factory=list)
    customer_record: dict[str, Any] | None = None
    escalation_note: str | None = None
    handoff_only: bool = False


@dataclass(frozen=True)
class Handoff:
    """What a hand-off summary is written from: the turn that opened the ticket and before it."""

    question: str
    answer: str
    reasons: list[str]
    facts: list[CustomerFact] = field(default_factory=list)
    history: list[HistoryMessage] = field(default_factory=list)


@dataclass
class Draft:
    """An answer being written: its pieces as they come, the sources it cites."""

    pieces: AsyncIterator[str]
    sources: list[Source]
    offers_human: bool = False


class AnswerGenerator(Protocol):
    """Writes answers."""

    name: str

    async def draft(self, given: GenerationInput) -> Draft:
        """Start an answer; raise before the first piece if it cannot be written."""
        ...


class RemoteGenerator(AnswerGenerator, Protocol):
    """An LLM provider's generator: answers, and the summaries of hand-offs."""

    async def summarize(self, handoff: Handoff) -> str:
        """The agent's note on a conversation handed to a person."""
        ...


async def pieces_of(text: str, words_per_piece: int = 4) -> AsyncIterator[str]:
    """A finished text as streamed pieces of a few words."""
    words = text.split(" ")
    for i in range(0, len(words), words_per_piece):
        last = i + words_per_piece >= len(words)
        yield " ".join(words[i : i + words_per_piece]) + ("" if last else " ")
