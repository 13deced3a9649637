"""Find personal data in text and replace it with typed placeholders such as `<EMAIL>`."""

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from support_core.redaction.names import find_names
from support_core.redaction.network import find_emails, find_ips
from support_core.redaction.numbers import find_cards, find_ibans, find_ssns
from support_core.redaction.phones import DEFAULT_REGIONS, find_phones
from support_core.redaction.secrets import find_secrets


class Entity(StrEnum):
    """Kinds of personal data (and credentials), in the order that wins when two findings tie."""

    SECRET = "SECRET"
    EMAIL = "EMAIL"
    IBAN = "IBAN"
    CARD = "CARD"
    SSN = "SSN"
    IP = "IP"
    PHONE = "PHONE"
    PERSON = "PERSON"


@dataclass(frozen=True)
class Finding:
    """Personal data of one kind at `text[start:end]`."""

    entity: Entity
    start: int
    end: int


def placeholder(entity: Entity) -> str:
    """What replaces personal data of this kind."""
    return f"<{entity.value}>"


Detector = Callable[[str], Iterator[tuple[int, int]]]
PRIORITY = {entity: rank for rank, entity in enumerate(Entity)}
NEEDS_DIGITS = frozenset({Entity.IBAN, Entity.CARD, Entity.SSN, Entity.IP, Entity.PHONE})
HAS_DIGIT = re.compile(r"\d")
# Knowledge-base passages and answers built from them recur in turn after turn.
CACHED_TEXTS = 4096
CACHED_LENGTH = 8192


class Redactor:
    """Detects and replaces personal data in strings and, recursively, in JSON-like values."""

    def __init__(self, *, phone_regions: Sequence[str] = DEFAULT_REGIONS, names: bool = True):
        detectors: list[tuple[Entity, Detector]] = [
            (Entity.SECRET, find_secrets),
            (Entity.EMAIL, find_emails),
            (Entity.IBAN, find_ibans),
            (Entity.CARD, find_cards),
            (Entity.SSN, find_ssns),
            (Entity.IP, find_ips),
            (Entity.PHONE, lambda text: find_phones(text, phone_regions)),
        ]
        if names:
            detectors.append((Entity.PERSON, find_names))
        self._detectors = detectors
        self._redact_cached = lru_cache(maxsize=CACHED_TEXTS)(self._redact)

    def findings(self, text: str) -> list[Finding]:
        """Non-overlapping findings in text order; overlapping ones merge into the longest."""
        digits = HAS_DIGIT.search(text) is not None
        found = sorted(
            (
                Finding(entity, start, end)
                for entity, detect in self._detectors
                if digits or entity not in NEEDS_DIGITS
                for start, end in detect(text)
            ),
            key=lambda f: (f.start, -(f.end - f.start), PRIORITY[f.entity]),
        )
        merged: list[Finding] = []
        for finding in found:
            if merged and finding.start < merged[-1].end:
                last = merged[-1]
                longest = max(last, finding, key=lambda f: (f.end - f.start, -PRIORITY[f.entity]))
                merged[-1] = Finding(longest.entity, last.start, max(last.end, finding.end))
            else:
                merged.append(finding)
        return merged

    def redact(self, text: str) -> tuple[str, int]:
        """The text with every finding replaced by its placeholder, and how many there were."""
        if len(text) <= CACHED_LENGTH:
            return self._redact_cached(text)
        return self._redact(text)

    def _redact(self, text: str) -> tuple[str, int]:
        findings = self.findings(text)
        if not findings:
            return text, 0
        parts: list[str] = []
        position = 0
        for finding in findings:
            parts += [text[position : finding.start], placeholder(finding.entity)]
            position = finding.end
        parts.append(text[position:])
        return "".join(parts), len(findings)

    def redact_value(self, value: Any, *, keep: Collection[str] = ()) -> tuple[Any, int]:
        """Redact every string inside dicts and lists; values under `keep` keys stay as they are."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, Mapping):
            count = 0
            redacted: dict[Any, Any] = {}
            for key, item in value.items():
                if key in keep:
                    redacted[key] = item
                    continue
                redacted[key], found = self.redact_value(item, keep=keep)
                count += found
            return redacted, count
        if isinstance(value, list | tuple):
            results = [self.redact_value(item, keep=keep) for item in value]
            return [item for item, _ in results], sum(found for _, found in results)
        return value, 0


@cache
def default_redactor() -> Redactor:
    """One shared redactor with the default settings."""
    return Redactor()
