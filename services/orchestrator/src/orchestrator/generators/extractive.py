"""The offline, deterministic generator: the passages' most relevant sentences, cited.

Sentences of the best passages are scored by how many of the question's terms (stemmed,
stop words removed) they contain, normalised by length, with a small preference for better
ranked passages; the best few are kept in passage order and cited [n] by source. When the best
passage is not similar enough to the question, the answer says so and offers a human.
"""

import math
import re

from py_rust_stemmers import SnowballStemmer

from contracts import Source
from orchestrator.generators.base import (
    CANNOT_LOOK_UP,
    DONT_KNOW,
    Draft,
    GenerationInput,
    pieces_of,
)

WORD = re.compile(r"[A-Za-z0-9]+")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
BLOCK_START = re.compile(r"^\s*(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\|)")
MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)")
STOP = frozenset(
    """a an and are as at be but by can could do does for from have how i if in is it me my of
    on or our please should so that the their them then there these they this to was we what when
    where which who why will with would you your""".split()
)
_stemmer = SnowballStemmer("english")


def terms(text: str) -> set[str]:
    """Stemmed content words."""
    return {_stemmer.stem_word(w) for w in WORD.findall(text.lower()) if w not in STOP}


def unwrap(passage: str) -> str:
    """Join hard-wrapped lines: a line break inside a paragraph does not end a statement."""
    lines: list[str] = []
    for line in passage.splitlines():
        previous = lines[-1] if lines else ""
        continues = previous.strip() and not previous.lstrip().startswith(("#", "|"))
        if continues and line.strip() and not BLOCK_START.match(line):
            lines[-1] = f"{previous.rstrip()} {line.strip()}"
        else:
            lines.append(line)
    return "\n".join(lines)


def sentences(passage: str) -> list[str]:
    """Statements of a passage worth quoting: Markdown markers, table rows, questions and
    fragments left out."""
    found = []
    for raw in SENTENCE.split(unwrap(passage)):
        if raw.count("|") >= 2:
            continue
        sentence = MARKUP.sub("", raw).strip().strip("\"'`*_ ")
        if len(sentence.split()) < 5 or sentence.endswith((":", "?")):
            continue
        found.append(sentence if sentence[-1] in ".!" else sentence + ".")
    return found


class ExtractiveGenerator:
    """Answers with the most relevant sentences of the retrieved passages."""

    name = "extractive"

    def __init__(
        self, *, min_confidence: float, max_sentences: int = 3, max_sources: int = 3
    ) -> None:
        self._min_confidence = min_confidence
        self._max_sentences = max_sentences
        self._max_sources = max_sources

    async def draft(self, given: GenerationInput) -> Draft:
        """Compose the answer at once; stream it in pieces."""
        text, cited, offers_human = self.compose(given)
        return Draft(pieces_of(text), cited, offers_human)

    def compose(self, given: GenerationInput) -> tuple[str, list[Source], bool]:
        """The answer, the sources it cites (in citation order) and whether it offers a human."""
        prefix = f"{given.escalation_note} " if given.escalation_note else ""
        if given.handoff_only and given.escalation_note:
            return given.escalation_note, [], False
        if not given.knowledge_available:
            return prefix + CANNOT_LOOK_UP, [], True
        if not given.sources or (given.confidence or 0.0) < self._min_confidence:
            return prefix + DONT_KNOW, [], True
        wanted = terms(given.question)
        scored = []
        for rank, source in enumerate(given.sources[: self._max_sources]):
            for position, sentence in enumerate(sentences(source.text or source.snippet)):
                found = terms(sentence)
                overlap = len(wanted & found)
                if overlap:
                    value = overlap / math.sqrt(len(found)) - 0.1 * rank - 0.01 * position
                    scored.append((value, rank, position, sentence))
        if not scored:
            return prefix + DONT_KNOW, [], True
        best = sorted(scored, reverse=True)[: self._max_sentences]
        cited: list[Source] = []
        parts = []
        for _, rank, _, sentence in sorted(best, key=lambda item: (item[1], item[2])):
            source = given.sources[rank]
            if source not in cited:
                cited.append(source)
            parts.append(f"{sentence} [{cited.index(source) + 1}]")
        return prefix + " ".join(parts), cited, False
