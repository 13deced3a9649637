"""Detector of credentials that must never be logged or traced: session and role tokens
(JWTs), a URL's `token`/`key` parameters, `Bearer` credentials and admin API keys."""

import re
from collections.abc import Iterator

Span = tuple[int, int]

SECRET = re.compile(
    r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}"  # a JWT: base64url header.payload.signature
    r"|(?<=[?&;]token=)[^&#\s\"']+"
    r"|(?<=[?&;]key=)[^&#\s\"']+"
    r"|(?<=[?&;]access_token=)[^&#\s\"']+"
    r"|(?<=\bBearer )[\w.~+/-]+=*"
    r"|\bsk_[\w-]{8,}",
    re.IGNORECASE,
)


def find_secrets(text: str) -> Iterator[Span]:
    """Credentials in the text."""
    for match in SECRET.finditer(text):
        yield match.span()


def scrub_secrets(text: str) -> str:
    """The text with every credential replaced by `<SECRET>`."""
    return SECRET.sub("<SECRET>", text)
