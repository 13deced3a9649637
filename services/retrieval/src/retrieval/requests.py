"""A customer message as the requests it makes, in the order asked.

Sentences are cut into clauses where a new request starts after a comma, a semicolon or a
conjunction ("…, and how do I dispute a charge?", "… and want to close my account"). A clause is
a request when it asks something: a question, a wish or need ("I want…", "we're looking for…",
"would like…"), or a plea or imperative ("can you…", "please…", "tell me…"); otherwise it is
context ("My card was stolen") and joins the request that follows it (or, at the end, the last
one). A message with one request, or none recognisable, is a single request; a message with
more than `limit` has its consecutive requests grouped into `limit`.
"""

import re

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
WISH = (
    r"\b(?:want|wants|wanted|need|needs|would like|'d like|looking for|trying to|hoping to|"
    r"interested in|wish to|plan to|planning to)\b"
)
ASK = (
    r"(?:how|what|where|when|why|which|who|is|are|do|does|did|should|can|could|may|will|"
    r"would)\b|(?:please|also|tell me|show me|help me|explain|let me know)\b"
)
BARE = r"(?:want|need|would like|'d like|wish|plan) to\b"
CONJUNCTION = r"(?:and|but|also|then|plus)"
CLAUSE_BREAK = re.compile(
    rf"(?:[,;]\s*(?:{CONJUNCTION}\s+)?|\s+{CONJUNCTION}\s+)(?=(?:{ASK}|(?:i|we)\b.{{0,20}}{WISH}))"
    rf"|\s+{CONJUNCTION}\s+(?={BARE})",
    re.IGNORECASE,
)
ASKS = re.compile(rf"\?|{WISH}|^\W*(?:{ASK}|{BARE})", re.IGNORECASE)
MIN_WORDS = 3


def _clauses(message: str) -> list[str]:
    """Sentences cut where a new request starts, with their original wording."""
    found = []
    for sentence in SENTENCE_END.split(message):
        start = 0
        for cut in CLAUSE_BREAK.finditer(sentence):
            found.append(sentence[start : cut.start()])
            start = cut.end()
        found.append(sentence[start:])
    return [clause.strip(" ,;") for clause in found if clause.strip(" ,;")]


def _joined(parts: list[str]) -> str:
    """Clauses read back as one text."""
    text = parts[0]
    for part in parts[1:]:
        text += (" " if text.endswith((".", "!", "?")) else ", ") + part
    return text


def split_requests(message: str, *, limit: int = 6) -> list[str]:
    """The message's requests (each with its context), at most `limit`; the message itself
    when it makes one."""
    requests: list[list[str]] = []
    context: list[str] = []
    for clause in _clauses(message):
        if ASKS.search(clause) and len(clause.split()) >= MIN_WORDS:
            requests.append([*context, clause])
            context = []
        else:
            context.append(clause)
    if context and requests:
        requests[-1] += context
    if len(requests) <= 1:
        return [message.strip()]
    size = -(-len(requests) // limit)  # ceiling: consecutive requests per group
    groups = [requests[i : i + size] for i in range(0, len(requests), size)]
    return [_joined([part for request in group for part in request]) for group in groups]
