"""Customer facts from what the customer writes: an offline rule-based extractor by default,
any other `FactExtractor` (an LLM, say) by configuration."""

import importlib
import re
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ExtractedFact:
    """A fact and how much it matters (0–1)."""

    fact_type: str
    content: str
    importance: float


class FactExtractor(Protocol):
    """Anything that turns a customer message into facts."""

    async def extract(self, text: str) -> list[ExtractedFact]:
        """Facts stated in `text` (empty if none)."""
        ...


NAME = re.compile(
    r"\b(?i:my name is|my name's|this is|call me|i am|i'm)\s+"
    r"(?P<name>[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+){0,2})(?=\s*(?:[,.!?;]|$|and\b|from\b|here\b))",
)
NUMBERED = re.compile(
    r"\b(?P<kind>order|account|policy|ticket|booking|reference|invoice|case)"
    r"\s*(?:number|no\.?|num|#|id)?\s*(?:is|:)?\s*#?\s*(?P<value>[A-Z0-9][A-Z0-9\-]{3,24})\b",
    re.IGNORECASE,
)
CARD_ENDING = re.compile(r"\bcard ending (?:in|with)\s*(?P<digits>\d{4})\b", re.IGNORECASE)
PRODUCT = re.compile(
    r"\b(?P<product>(?:[A-Z][\w\-+]*\s+){1,3}"
    r"(?:Card|Account|Plan|Subscription|Loan|Mortgage|Membership|Package|Policy))\b"
)
PREFERENCE = re.compile(
    r"\b(?:i (?:really )?(?:prefer|like|love|want|would rather|'d rather|hate|dislike|"
    r"don't like|do not like)|please (?:don't|do not|always|never))\s+(?P<what>[^.!?\n]{3,80})",
    re.IGNORECASE,
)
CHANNEL = re.compile(
    r"\b(?:contact|reach|call|text|email|message|ping)\s+me\s+(?:by|via|on|at|through|over)\s+"
    r"(?P<channel>e-?mail|phone|sms|text|whatsapp|telegram|post|mail|chat)\b"
    r"|\b(?P<direct>email|text|call|whatsapp)\s+me\b",
    re.IGNORECASE,
)
CHANNEL_NAMES = {"e-mail": "email", "mail": "post", "text": "sms", "call": "phone"}
NOT_NAMES = frozenset({"Not", "Sorry", "Very", "Really", "Just", "Still", "Also", "Here", "Trying"})


class RuleBasedExtractor:
    """Deterministic patterns for the common cases: name, numbers, products, preferences,
    preferred contact channel."""

    async def extract(self, text: str) -> list[ExtractedFact]:
        """Facts stated in `text`."""
        found: list[ExtractedFact] = []
        for match in NAME.finditer(text):
            name = match.group("name")
            if name.split()[0] not in NOT_NAMES:
                found.append(ExtractedFact("name", f"Name: {name}", 0.9))
        for match in NUMBERED.finditer(text):
            value = match.group("value")
            if any(ch.isdigit() for ch in value):
                kind = match.group("kind").lower()
                found.append(
                    ExtractedFact(f"{kind}_number", f"{kind.capitalize()} number {value}", 0.8)
                )
        for match in CARD_ENDING.finditer(text):
            found.append(ExtractedFact("card", f"Card ending in {match.group('digits')}", 0.7))
        for match in PRODUCT.finditer(text):
            product = match.group("product").strip()
            found.append(ExtractedFact("product", f"Mentioned product: {product}", 0.5))
        for match in PREFERENCE.finditer(text):
            statement = match.group(0).strip().rstrip(",;")
            found.append(ExtractedFact("preference", f"Customer said: {statement}", 0.6))
        for match in CHANNEL.finditer(text):
            raw = (match.group("channel") or match.group("direct")).lower()
            channel = CHANNEL_NAMES.get(raw, raw)
            found.append(ExtractedFact("contact_channel", f"Prefers contact by {channel}", 0.7))
        return found


def load_extractor(spec: str) -> FactExtractor:
    """`rules`, or `package.module:Class` naming a `FactExtractor` built without arguments."""
    if spec == "rules":
        return RuleBasedExtractor()
    module_name, _, class_name = spec.partition(":")
    if not class_name:
        raise ValueError(f"extractor {spec!r} must be 'rules' or 'package.module:Class'")
    extractor: FactExtractor = getattr(importlib.import_module(module_name), class_name)()
    return extractor
