"""The hand-off summary an agent reads first: what the customer asked, what is known about
them, what the assistant said last, and why the conversation came to a person. Extractive:
every part is the customer's, the memory's or the assistant's own words, shortened."""

import re

from contracts import EscalationAssessRequested

WHY = {
    "human_request": "the customer asked for a person",
    "negative_sentiment": "the customer sounds frustrated",
    "low_confidence": "the knowledge base had no confident answer",
    "turn_limit": "the conversation ran past the turn limit",
}
ASKED_CHARS = 400
SAID_CHARS = 240
FACTS = 6
CITATION = re.compile(r"\s*\[\d+\]")


def shortened(text: str, limit: int) -> str:
    """`text` on one line, cut at a word before `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + " …"


def why(reasons: list[str]) -> str:
    """The reasons in words (a sensitive topic by its name)."""
    return "; ".join(WHY.get(reason, f"a sensitive topic ({reason})") for reason in reasons)


def handoff_summary(request: EscalationAssessRequested, reasons: list[str]) -> str:
    """Four short lines for the agent (the known facts and the assistant's last answer, its
    source numbers dropped, only when there are some)."""
    lines = [f"Asked: {shortened(request.text, ASKED_CHARS)}"]
    if request.facts:
        lines.append("Known: " + "; ".join(request.facts[:FACTS]))
    answers = [m for m in request.history if m.role == "assistant"]
    if answers:
        said = CITATION.sub("", answers[-1].text)
        lines.append(f"Assistant said: {shortened(said, SAID_CHARS)}")
    lines.append(f"Why: {why(reasons)}")
    return "\n".join(lines)
