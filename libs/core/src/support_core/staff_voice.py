"""Whether text is written to staff rather than to the customer.

Knowledge bases mix the two: a page for customers ("you can…") may carry a section of agent
instructions ("Ask the customer to verify…", "Say: '…'"). Text for customers addresses them
as "you" or states policy about customers ("The customer receives the highest bonus");
text for staff tells the reader what to do with the customer, or scripts what to say.
A section counts as written to staff when at least two of its sentences (or a third of them)
do; retrieval indexes such a section as staff-only, and the extractive answer never quotes
such a sentence.
"""

import re
from collections.abc import Iterable

_NOT_A_PERSON = (
    r"(?!\s+(?:service|support|care|satisfaction|experience|center|centre|portal|agreement"
    r"|feedback|success|relations))"
)
_ONE = rf"(?:customer|caller|client)\b{_NOT_A_PERSON}"
_ANY = rf"(?:customer|caller|client)(?:s|'s|s')?\b{_NOT_A_PERSON}"
_DIRECTED = (
    r"ask|inform|tell|advise|remind|instruct|help|have|offer|let|assist|notify|warn|direct"
    r"|guide|transfer|escalate"
)
_IMPERATIVE = (
    rf"{_DIRECTED}|verify|confirm|check|look|ensure|review|explain|follow|give|provide"
    r"|process|document|record|note|update|apply|approve|deny|submit|open|close|use|collect"
)
# A list number, a bold label or a short "Label:" may come before a sentence's first word.
_LEAD = r"^\W*(?:\d+[.)]\s*)?(?:\*\*[^*]{1,40}\*\*:?\s*|[^:.'\"]{1,40}:\s+)?"
SCRIPTED = re.compile(
    _LEAD + r"(?:say|ask|explain|advise|inform|tell|respond|reply|state|offer)\b[^.:]{0,40}:"
    r"\s*['\"‘“]",
    re.IGNORECASE,
)
DIRECTED_AT_ONE = re.compile(rf"\b(?:{_DIRECTED})\s+(?:the\s+|a\s+|this\s+)?{_ONE}", re.I)
# Staff notes drop the article: "Customer may be using an old card."
SHORTHAND = re.compile(
    rf"{_LEAD}{_ONE}(?:\s+(?:or|and)\s+\w+)?\s+(?:is|was|may|must|can|cannot|should|will|would"
    r"|has|had|needs|wants|says|asks|reports|requests|claims)\b",
    re.IGNORECASE,
)
# "Offer is for new customers only" opens with a noun, not an instruction.
IMPERATIVE = re.compile(
    rf"{_LEAD}(?:{_IMPERATIVE})\b(?!\s+(?:is|are|was|were|has|had|applies|for|of|must|may|can|will)\b)",
    re.IGNORECASE,
)
MENTIONED = re.compile(rf"\b{_ANY}", re.IGNORECASE)
AGENT = re.compile(r"\b(?:the|an?)\s+agents?\b", re.IGNORECASE)
ADDRESSED = re.compile(r"\byou(?:r|rs|'re|'ll|'ve|'d)?\b", re.IGNORECASE)
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|‘[^’]*’|“[^”]*”")
SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
MIN_WORDS = 3


def to_staff(sentence: str) -> bool:
    """A sentence that scripts what to tell the customer, or tells the reader what to do with
    the customer without addressing anyone as "you" (outside what it quotes)."""
    if SCRIPTED.search(sentence):
        return True
    own_words = QUOTED.sub("", sentence)
    if ADDRESSED.search(own_words):
        return False
    if DIRECTED_AT_ONE.search(own_words) or SHORTHAND.search(own_words):
        return True
    return bool(MENTIONED.search(own_words)) and bool(
        IMPERATIVE.search(own_words) or AGENT.search(own_words)
    )


def sentences_of(text: str) -> list[str]:
    """The sentences and list lines of a passage that are long enough to judge."""
    return [s.strip() for s in SENTENCES.split(text) if len(s.split()) >= MIN_WORDS]


def section_to_staff(sentences: Iterable[str]) -> bool:
    """A section with at least two sentences written to staff, or a third of them."""
    judged = list(dict.fromkeys(sentences))
    to_staff_count = sum(to_staff(s) for s in judged)
    return to_staff_count >= 2 or (to_staff_count >= 1 and 3 * to_staff_count >= len(judged))
