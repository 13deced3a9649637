"""The prompt of a hand-off summary: the note an agent reads before taking the conversation
over, written by the LLM generator from the conversation, the known facts and the reasons."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from orchestrator.generators.base import Handoff
from orchestrator.generators.prompting import tokens

INSTRUCTIONS = (
    "You write the note a support agent reads before taking a conversation over from the "
    "assistant. In at most four short lines of plain text: what the customer wants, the facts "
    "known about them (order numbers, products, dates, amounts), what the assistant already "
    "told them, and why the conversation comes to a person. Use only what the conversation "
    "says; no greeting, no advice to the agent."
)
SPEAKERS = {"customer": "Customer", "assistant": "Assistant", "agent": "Agent"}


@dataclass(frozen=True)
class SummaryPrompt:
    """The instructions and what to summarise."""

    system: str
    conversation: str


def summary_prompt(handoff: Handoff, budget: int) -> SummaryPrompt:
    """The conversation (oldest lines dropped first to fit `budget` tokens), the turn's message
    and answer, the facts and the reasons."""
    lines = [f"{SPEAKERS.get(m.role, m.role)}: {m.text}" for m in handoff.history]
    lines += [f"Customer: {handoff.question}", f"Assistant: {handoff.answer}"]
    facts = [f"- {fact.content}" for fact in handoff.facts]
    why = ", ".join(reason.replace("_", " ") for reason in handoff.reasons) or "escalation"
    closing = (["Known facts:", *facts] if facts else []) + [f"Handed over because: {why}"]

    def conversation() -> str:
        return "\n".join(["Conversation:", *lines, "", *closing])

    while len(lines) > 2 and tokens(INSTRUCTIONS) + tokens(conversation()) > budget:
        lines.pop(0)
    return SummaryPrompt(INSTRUCTIONS, conversation())


Stream = Callable[[str, list[dict[str, str]]], Awaitable[AsyncIterator[str]]]


async def write_summary(stream: Stream, handoff: Handoff, budget: int) -> str:
    """The whole summary from a provider's `stream(system, messages)`."""
    prompt = summary_prompt(handoff, budget)
    pieces = await stream(prompt.system, [{"role": "user", "content": prompt.conversation}])
    return "".join([piece async for piece in pieces])
