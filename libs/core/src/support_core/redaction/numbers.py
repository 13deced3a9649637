"""Detectors of checksummed numbers: payment cards (Luhn), IBANs (mod 97) and US SSNs."""

import re
from collections.abc import Iterator

from stdnum import iban, luhn
from stdnum.us import ssn

Span = tuple[int, int]

# Card issuer prefixes and the lengths they issue (ISO/IEC 7812 IIN ranges in use).
CARD_RANGES: tuple[tuple[str, range], ...] = (
    (r"4", range(13, 20)),
    (r"5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)", range(16, 17)),
    (r"3[47]", range(15, 16)),
    (r"3(?:0[0-5]|[689])", range(14, 20)),
    (r"35", range(16, 20)),
    (r"6(?:011|4[4-9]|5|2)", range(16, 20)),
    (r"5[06-9]|6", range(12, 20)),
    (r"2131|1800", range(15, 16)),
)
_CARD_PREFIXES = [(re.compile(prefix), lengths) for prefix, lengths in CARD_RANGES]
DIGIT_RUN = re.compile(r"(?<![\w-])\d+(?:[ -]\d+)*(?![\w-])")
IBAN_CANDIDATE = re.compile(r"(?<!\w)[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,32}", re.IGNORECASE)
CARD_SHAPE = re.compile(
    r"(?<![\w-])(?:\d{4}([ -])\d{4}\1\d{4}(?:\1\d{1,4}){0,2}|\d{4}([ -])\d{6}\2\d{5})(?![\w-])"
)
SSN_FORMATTED = re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])")
SSN_UNFORMATTED = re.compile(
    r"(?i:\b(?:ssn|social security(?: number| no\.?)?)\b)\D{0,20}?(?<!\d)(\d{9})(?![\w-])"
)


def number_shapes(text: str) -> list[Span]:
    """Where text is written like a card number, an IBAN or an SSN, valid or not."""
    return [
        match.span()
        for pattern in (CARD_SHAPE, IBAN_CANDIDATE, SSN_FORMATTED)
        for match in pattern.finditer(text)
    ]


def is_card_number(digits: str) -> bool:
    """A length an issuer uses for its prefix, and a valid Luhn check digit."""
    return any(
        len(digits) in lengths and prefix.match(digits) for prefix, lengths in _CARD_PREFIXES
    ) and luhn.is_valid(digits)


def find_cards(text: str) -> Iterator[Span]:
    """Card numbers written plain or grouped with spaces or dashes."""
    for run in DIGIT_RUN.finditer(text):
        if CARD_SHAPE.fullmatch(run[0]):
            if is_card_number(re.sub(r"\D", "", run[0])):
                yield run.span()
            continue
        groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", run[0])]
        i = 0
        while i < len(groups):
            end = _longest_card(run[0], groups, i)
            if end is None:
                i += 1
                continue
            yield run.start() + groups[i][0], run.start() + groups[end - 1][1]
            i = end


def _longest_card(run: str, groups: list[Span], first: int) -> int | None:
    """The end (exclusive group index) of the longest card number starting at group `first`."""
    digits = ""
    ends = []
    for j in range(first, len(groups)):
        digits += run[groups[j][0] : groups[j][1]]
        if len(digits) > 19:
            break
        if len(digits) >= 12 and is_card_number(digits):
            ends.append(j + 1)
    return ends[-1] if ends else None


def find_ibans(text: str) -> Iterator[Span]:
    """IBANs (plain or in groups) whose country format and mod-97 check digits are valid."""
    for candidate in IBAN_CANDIDATE.finditer(text):
        ends = [
            candidate.start() + k + 1
            for k, char in enumerate(candidate[0])
            if char.isalnum() and not candidate[0][k + 1 : k + 2].isalnum()
        ] or [candidate.end()]
        for end in reversed(ends):
            compact = text[candidate.start() : end].replace(" ", "").upper()
            if len(compact) >= 15 and iban.is_valid(compact):
                yield candidate.start(), end
                break


def find_ssns(text: str) -> Iterator[Span]:
    """US social security numbers: `123-45-6789`, `123 45 6789`, or 9 digits after "SSN"."""
    for match in SSN_FORMATTED.finditer(text):
        if ssn.is_valid(re.sub(r"\D", "", match[0])):
            yield match.span()
    for match in SSN_UNFORMATTED.finditer(text):
        if ssn.is_valid(match[1]):
            yield match.span(1)
