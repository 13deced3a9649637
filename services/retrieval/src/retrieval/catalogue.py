"""The product names of a tenant's knowledge base, read from its titles, and the names a
message mentions.

A name is the subject of a title (its part before ':', ' - ', ' — ' or ' vs ', or the whole
title) written as a proper name, in capitals, of at most five words. It counts when it reads as
a name in the documents too: where it appears mid-sentence it keeps its capitals (`Gold Rewards
Card`, not `Internal`), or it is the subject of several titles and never appears mid-sentence
in lower case. A variant of a name contains it with more words (`Business Gold Rewards Card`).
A message may name a sibling by its first word only, after naming one in full: "the Silver
Rewards Card compared to the bronze one" names the Bronze Rewards Card too.
"""

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

TITLE_PARTS = re.compile(r"\s*(?::|\s[-–—]\s|\svs\.?\s)\s*")
NAME_WORD = r"[A-Z0-9][\w+\-’']*"
NAME = re.compile(rf"^{NAME_WORD}(?:\s+(?:{NAME_WORD}|\([a-z]+\)))*$")
TOKEN = re.compile(r"\([a-z]+\)|[\w+\-’']+|[.!?:;,\n]")
MAX_WORDS = 5
CAPITALISED_SHARE = 0.8


def _capitalised(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit() or word.startswith("(")


@dataclass(frozen=True)
class Catalogue:
    """Names and the documents they are the subject of."""

    names: frozenset[str] = frozenset()
    _subjects: dict[str, frozenset[str]] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    @classmethod
    def of(cls, names: frozenset[str], subjects: dict[str, frozenset[str]]) -> "Catalogue":
        """A catalogue of `names` (longest first in one pattern, so the longest name wins)."""
        ordered = sorted(names, key=len, reverse=True)
        alternatives = "|".join(re.escape(name.lower()) for name in ordered)
        pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])") if names else None
        return cls(names, subjects, pattern)

    @classmethod
    def build(cls, documents: Iterable[tuple[str, str, str]]) -> "Catalogue":
        """From (document id, title, text) of every document."""
        documents = list(documents)
        candidates: Counter[str] = Counter()
        leading: Counter[str] = Counter()
        for _, title, _ in documents:
            parts = [part.strip().rstrip(".") for part in TITLE_PARTS.split(title)]
            if len(parts) > 1:
                leading[parts[0]] += 1
            for part in parts:
                if part and NAME.match(part) and len(part.split()) <= MAX_WORDS:
                    candidates[part] += 1
        wanted = {candidate.lower(): candidate for candidate in candidates}
        cased, anywise = _mid_sentence_counts((text for _, _, text in documents), wanted)
        names = frozenset(
            name
            for name in candidates
            if (anywise[name] and cased[name] / anywise[name] >= CAPITALISED_SHARE)
            or (leading[name] >= 2 and not anywise[name])
        )
        catalogue = cls.of(names, {})
        subjects = {doc_id: catalogue.named_in(title) for doc_id, title, _ in documents}
        return cls.of(names, {doc_id: found for doc_id, found in subjects.items() if found})

    def subjects(self, document_id: str) -> frozenset[str]:
        """The names a document's title is about."""
        return self._subjects.get(document_id, frozenset())

    def named_in(self, text: str) -> frozenset[str]:
        """Names the text mentions, case-insensitively (a longer name wins over the names
        inside it), and the siblings of those it names by their first word only."""
        if self._pattern is None:
            return frozenset()
        lowered = text.lower()
        by_lower = {name.lower(): name for name in self.names}
        found = {by_lower[match.group(0)] for match in self._pattern.finditer(lowered)}
        words = set(re.findall(r"[\w+\-]+", lowered))
        for name in list(found):
            head, *rest = name.split()
            for sibling in self.names:
                first, *tail = sibling.split()
                if rest and tail == rest and first != head and first.lower() in words:
                    found.add(sibling)
        return frozenset(found)

    def mentioned(self, text: str) -> list[str]:
        """The names the text mentions, in the order it first mentions them."""
        lowered = text.lower()

        def first(name: str) -> int:
            for candidate in (name.lower(), name.split()[0].lower()):
                found = re.search(rf"(?<![\w-]){re.escape(candidate)}(?![\w-])", lowered)
                if found:
                    return found.start()
            return len(lowered)

        return sorted(self.named_in(text), key=lambda name: (first(name), name))

    def variants_of(self, name: str) -> frozenset[str]:
        """Longer names that contain `name` (its variants)."""
        pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
        return frozenset(other for other in self.names if other != name and pattern.search(other))


def _mid_sentence_counts(
    texts: Iterable[str], wanted: dict[str, str]
) -> tuple[Counter[str], Counter[str]]:
    """For each wanted name, how often it appears mid-sentence with its capitals, and at all."""
    cased: Counter[str] = Counter()
    anywise: Counter[str] = Counter()
    for text in texts:
        tokens = TOKEN.findall(text)
        for start in range(1, len(tokens)):
            previous = tokens[start - 1]
            if not (previous[-1].islower() or previous in (",", ";")):
                continue  # the start of a sentence, a line or a heading capitalises anything
            for length in range(1, MAX_WORDS + 1):
                words = tokens[start : start + length]
                if len(words) < length or not words[-1][0].isalnum() and words[-1][0] != "(":
                    break
                name = wanted.get(" ".join(words).lower())
                if name is not None:
                    anywise[name] += 1
                    if all(_capitalised(word) for word in words if word.isalpha()):
                        cased[name] += 1
    return cased, anywise
