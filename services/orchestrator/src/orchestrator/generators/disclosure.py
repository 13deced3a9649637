"""Keeps staff-only text out of what the customer reads, whatever the generator wrote.

A sentence of the answer is withheld when it repeats a run of words from a staff-only passage
that no customer-facing source given to the generator also contains, or names an identifier
(`approve_increase_5847`) from one: a model told not to reveal its guidance may still quote it.
While there is guidance, the answer streams sentence by sentence so a sentence can be checked
before the customer sees any of it.
"""

import re
from collections.abc import AsyncIterator, Iterable

from contracts import Source

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
IDENTIFIER = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
RUN = 6


def _runs(text: str, length: int = RUN) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


def _passages(sources: Iterable[Source]) -> str:
    return "\n".join(f"{source.title}\n{source.text or source.snippet}" for source in sources)


class DisclosureGuard:
    """Withholds answer sentences that quote staff-only passages."""

    def __init__(self, guidance: list[Source], sources: list[Source]) -> None:
        internal, public = _passages(guidance), _passages(sources)
        self._runs = _runs(internal) - _runs(public)
        self._identifiers = set(IDENTIFIER.findall(internal)) - set(IDENTIFIER.findall(public))
        self.withheld = 0

    @property
    def active(self) -> bool:
        """Whether there is anything to keep back."""
        return bool(self._runs or self._identifiers)

    def discloses(self, sentence: str) -> bool:
        """Whether `sentence` repeats staff-only text."""
        return bool(self._runs & _runs(sentence)) or any(
            identifier in sentence for identifier in self._identifiers
        )

    async def screen(self, pieces: AsyncIterator[str]) -> AsyncIterator[str]:
        """The answer's pieces, sentence by sentence, without the disclosing sentences."""
        if not self.active:
            async for piece in pieces:
                yield piece
            return
        pending = ""
        async for piece in pieces:
            pending += piece
            *complete, pending = _split(pending)
            for sentence in complete:
                if kept := self._keep(sentence):
                    yield kept
        if pending and (kept := self._keep(pending)):
            yield kept

    def _keep(self, sentence: str) -> str:
        if self.discloses(sentence):
            self.withheld += 1
            return ""
        return sentence


def _split(text: str) -> list[str]:
    """Complete sentences (with their trailing space) and the unfinished rest, last."""
    parts: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    parts.append(text[start:])
    return parts
