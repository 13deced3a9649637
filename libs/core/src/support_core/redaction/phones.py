"""Detector of phone numbers, validated with libphonenumber's metadata."""

import re
from collections.abc import Iterator, Sequence

import phonenumbers

from support_core.redaction.numbers import number_shapes

Span = tuple[int, int]

DEFAULT_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "CA", "AU", "IN")
CANDIDATE = re.compile(
    r"(?<![\w+/.,-])(?:\+|00)?\(?\d[\d ().\-/]{4,24}\d"
    r"(?:[ ]?(?:x|ext\.?|extension)[ ]?\d{1,6})?(?![\w-]|[.,]\d)",
    re.IGNORECASE,
)
EXTENSION = re.compile(r"[ ]?(?:x|ext\.?|extension)[ ]?\d{1,6}$", re.IGNORECASE)
DATE = re.compile(r"^(?:\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{2,4})$")
AMOUNT = re.compile(r"^\d+\.\d{2}$")
CONTEXT = re.compile(
    r"(?i:\b(?:phone|tel|telephone|mobile|cell|call|text|sms|whatsapp|fax|reach me|contact)\b)"
    r"[^\n]{0,20}$"
)
CONTEXT_REACH = 40
CHUNK = re.compile(r"\S+")
AREA_CODE = re.compile(r"\(\d{1,5}\)")
NANP = re.compile(r"^(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}$")


def find_phones(text: str, regions: Sequence[str] = DEFAULT_REGIONS) -> Iterator[Span]:
    """Phone numbers in international or (for `regions`) national notation."""
    taken: list[Span] | None = None
    for match in CANDIDATE.finditer(text):
        taken = number_shapes(text) if taken is None else taken
        if any(start <= match.start() < end for start, end in taken):
            continue
        context = bool(CONTEXT.search(text, max(0, match.start() - CONTEXT_REACH), match.start()))
        chunks = [
            (m.start() + match.start(), m.end() + match.start()) for m in CHUNK.finditer(match[0])
        ]
        i = 0
        while i < len(chunks):
            for j in range(len(chunks), i, -1):
                start, end = chunks[i][0], chunks[j - 1][1]
                if _is_phone(EXTENSION.sub("", text[start:end]), regions, context=context):
                    unopened = text[start] == "(" and ")" not in text[start:end]
                    yield start + unopened, end
                    i = j
                    break
            else:
                i += 1


def _is_phone(number: str, regions: Sequence[str], *, context: bool) -> bool:
    digits = re.sub(r"\D", "", number)
    international = number.startswith(("+", "00"))
    if international and number.startswith("00"):
        digits = digits[2:]
    bare = number.strip("() ")
    if not 7 <= len(digits) <= 15 or DATE.match(bare) or AMOUNT.match(bare):
        return False
    if international and _parses(f"+{digits}", None, strict=False):
        return True
    if NANP.match(number) or AREA_CODE.search(number):
        return True
    if context:
        return any(_parses(number, region, strict=False) for region in regions)
    if digits == number and not (len(digits) == 10 or (digits[0] == "0" and len(digits) <= 12)):
        return False
    return len(digits) >= 9 and any(_parses(number, region, strict=True) for region in regions)


def _parses(number: str, region: str | None, *, strict: bool) -> bool:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    if strict:
        return bool(phonenumbers.is_valid_number(parsed))
    return bool(phonenumbers.is_possible_number(parsed))
