"""Detectors of email addresses and IP addresses."""

import ipaddress
import re
from collections.abc import Iterator

Span = tuple[int, int]

EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,24}(?![\w-])")
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
IPV6 = re.compile(
    r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?:\.\d{1,3}){3})?(?![\w.]|:\w)"
)


def find_emails(text: str) -> Iterator[Span]:
    """Email addresses (internationalised names included)."""
    if "@" not in text:
        return
    for match in EMAIL.finditer(text):
        yield match.span()


def find_ips(text: str) -> Iterator[Span]:
    """IPv4 and IPv6 addresses (IPv4-mapped included)."""
    if "." in text:
        for match in IPV4.finditer(text):
            if _is_ip(match[0]):
                yield match.span()
    if text.count(":") < 2:
        return
    for match in IPV6.finditer(text):
        candidate = match[0]
        if not candidate.endswith("::"):
            candidate = candidate.rstrip(":")
        if ":" in candidate and _is_ip(candidate):
            yield match.start(), match.start() + len(candidate)


def _is_ip(candidate: str) -> bool:
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True
