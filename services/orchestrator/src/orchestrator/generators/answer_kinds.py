"""What kind of answer a question asks for, and whether a statement gives one.

"How long does a transfer take?" wants a duration and "How much is the fee?" an amount: among
statements that cover the question's words about as well, the one that states a duration or an
amount answers it (the classic answer-type check of question answering). "How do I…?" wants
the steps, when a passage numbers them.
"""

import re

DURATION_ASKED = re.compile(
    r"\bhow\s+(?:long|soon|quickly|fast|many\s+(?:minutes|hours|days|weeks|months))\b"
    r"|\bwhen\s+(?:will|would|does|do|did|can|should)\b",
    re.IGNORECASE,
)
AMOUNT_ASKED = re.compile(
    r"\bhow\s+much\b"
    r"|\bwhat(?:'s|\s+is|\s+are)\s+(?:the\s+|my\s+|your\s+)?(?:[\w-]+\s+){0,3}"
    r"(?:fees?|costs?|charges?|prices?|rates?|apr|apy|interest|limits?|minimums?|maximums?)\b",
    re.IGNORECASE,
)
DURATION = re.compile(
    r"\b\d+(?:\s*(?:-|–|to)\s*\d+)?\s*(?:business\s+|calendar\s+|working\s+)?"
    r"(?:minutes?|hours?|days?|weeks?|months?|years?)\b"
    r"|\b(?:immediately|instantly|same[- ]day|next[- ]day|overnight)\b",
    re.IGNORECASE,
)
STEPS_ASKED = re.compile(
    r"\bhow\s+(?:do|can|could|should|would)\s+(?:i|we)\b|\bhow\s+to\b"
    r"|\bsteps?\s+(?:to|for)\b|\bwhat\s+(?:are\s+)?the\s+steps\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(r"[$€£]\s?\d|\d\s?%|\b\d+(?:\.\d+)?\s*percent\b", re.IGNORECASE)


def answer_kind(question: str) -> re.Pattern[str] | None:
    """What a statement must contain to give the kind of answer the question asks for."""
    if DURATION_ASKED.search(question):
        return DURATION
    if AMOUNT_ASKED.search(question):
        return AMOUNT
    return None


def asks_for_steps(question: str) -> bool:
    """Whether the question asks how to do something."""
    return bool(STEPS_ASKED.search(question))
