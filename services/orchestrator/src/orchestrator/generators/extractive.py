"""The offline, deterministic generator: for each request of the message, in the order asked,
the statements of its passages that answer it best, cited.

Statements (whole sentences and list facts, Markdown removed: `statements.py`) are scored by
how much of the request they cover: its terms (stemmed, stop words and numbers removed, each
weighted by how rare it is among the candidate statements) found in the statement or its
passage's title, with a small preference for better ranked passages and earlier statements, and
a larger one for a statement that gives the kind of answer asked for (a duration to "how long",
an amount to "how much", a numbered step to "how do I": `answer_kinds.py`). A
request gets its best statement (and the next one of the same passage when that answers too;
asked how to do something, with a numbered step best, the rest of that list),
plus the best of up to two other passages that each cover at least 70 % as much (measured with
`support eval run`: docs/retrieval.md); a request that names a product is answered from that
product's passages, not its variants'; one that names several ("the Silver card compared to the
Bronze one") gets a statement about each. A request the knowledge base does not cover (its best
passage is not similar enough, or no statement shares enough of its terms) gets an honest
"I couldn't find that", while the other requests are still answered.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from py_rust_stemmers import SnowballStemmer

from contracts import Source
from orchestrator.generators.answer_kinds import answer_kind, asks_for_steps
from orchestrator.generators.base import (
    CANNOT_LOOK_UP,
    DONT_KNOW,
    Draft,
    GenerationInput,
    Request,
    pieces_of,
)
from orchestrator.generators.statements import (
    HEADING,
    LIST_MARK,
    Statement,
    plain,
    statements,
)

WORD = re.compile(r"[A-Za-z0-9]+")
QUOTE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
STOP = frozenset(
    """a an and are as at be but by can could do does for from have how i if in is it me my of
    on or our please should so that the their them then there these they this to was we what when
    where which who why will with would you your""".split()
)
NOT_FOUND = "I couldn't find anything about “{request}” in our help center."
SHORT_VALUE_WORDS = 8
_stemmer = SnowballStemmer("english")


def terms(text: str) -> set[str]:
    """Stemmed content words."""
    return {_stemmer.stem_word(w) for w in WORD.findall(text.lower()) if w not in STOP}


def topic_terms(text: str) -> set[str]:
    """A request's content words, without its numbers: amounts, dates and account numbers say
    which case it is, not what it is about."""
    return {term for term in terms(text) if not term.isdigit()}


@dataclass(frozen=True)
class Candidate:
    """A statement of a ranked passage."""

    statement: Statement
    source: Source
    rank: int
    position: int
    terms: frozenset[str]


def subject_of(title: str) -> str | None:
    """What a titled passage is about: the title's part before a colon, if it has one."""
    head, colon, _ = title.partition(":")
    return head.strip() if colon and head.strip() else None


def quoted(request: str, limit: int = 80) -> str:
    """What a request asks, as it can be quoted back: its first question (or, asking none, its
    first sentence), without Markdown; the context the customer gave before it is left out."""
    lines = [line for line in QUOTE_BREAK.split(request) if not HEADING.match(line)]
    sentences = [s for s in (plain(LIST_MARK.sub("", line)) for line in lines) if s]
    text = next((s for s in sentences if s.endswith("?")), sentences[0] if sentences else "")
    text = text.rstrip("?.! ")
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + " …"


class ExtractiveGenerator:
    """Answers each request with the most relevant statements of its passages."""

    name = "extractive"

    def __init__(
        self,
        *,
        min_confidence: float,
        max_sources: int = 4,
        max_requests: int = 6,
        min_terms: int = 2,
        sources_per_request: int = 3,
        second_source_share: float = 0.7,
        answer_kind_bonus: float = 0.15,
        max_steps: int = 8,
    ) -> None:
        self._min_confidence = min_confidence
        self._max_sources = max_sources
        self._max_requests = max_requests
        self._min_terms = min_terms
        self._sources_per_request = sources_per_request
        self._second_source_share = second_source_share
        self._answer_kind_bonus = answer_kind_bonus
        self._max_steps = max_steps

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
        requests = given.requests or [Request(given.question, given.sources, given.confidence)]
        requests = requests[: self._max_requests]
        candidates = {id(r): self._candidates(r) for r in requests}
        weights = _rarity(c.terms for found in candidates.values() for c in found)
        cited: list[Source] = []
        parts: list[str] = []
        used: set[str] = set()
        answered = 0
        for request in requests:
            chosen = self._choose(request, candidates[id(request)], weights, used)
            if not chosen:
                parts.append(NOT_FOUND.format(request=quoted(request.text)))
                continue
            answered += 1
            compared = len(request.names) >= 2
            quotes: list[tuple[str, int]] = []
            for candidate in chosen:
                text = self._render(candidate, compared)
                if text not in used:
                    used.update((text, candidate.statement.text))
                    quotes.append((text, self._cite(candidate.source, cited)))
            parts.append(_with_citations(quotes))
        if not answered:
            return prefix + DONT_KNOW, [], True
        separator = "\n\n" if len(requests) > 1 else " "
        return prefix + separator.join(parts), cited, answered < len(requests)

    def _candidates(self, request: Request) -> list[Candidate]:
        if (request.confidence or 0.0) < self._min_confidence:
            return []
        found = []
        for rank, source in enumerate(request.sources[: self._max_sources]):
            about = terms(source.title)
            for position, statement in enumerate(statements(source.text or source.snippet)):
                found.append(
                    Candidate(
                        statement,
                        source,
                        rank,
                        position,
                        frozenset(terms(statement.text) | about),
                    )
                )
        return found

    def _choose(
        self,
        request: Request,
        candidates: list[Candidate],
        weights: dict[str, float],
        used: set[str],
    ) -> list[Candidate]:
        """The statements that answer the request best: the surest one (and the next from its
        passage when it also answers), or one per product when the request names several."""
        wanted = topic_terms(request.text)
        if not wanted:
            return []
        needed = min(self._min_terms, len(wanted))
        total = sum(weights.get(t, 1.0) for t in wanted)

        def coverage(candidate: Candidate) -> float:
            return sum(weights.get(t, 1.0) for t in wanted & candidate.terms) / total

        kind = answer_kind(request.text)
        steps = asks_for_steps(request.text)

        def gives(candidate: Candidate) -> bool:
            if kind is not None:
                return bool(kind.search(candidate.statement.text))
            return steps and candidate.statement.step

        def value(candidate: Candidate) -> float:
            return (
                coverage(candidate)
                + self._answer_kind_bonus * gives(candidate)
                - 0.05 * candidate.rank
                - 0.005 * candidate.position
            )

        usable = [
            c
            for c in candidates
            if c.statement.text not in used and len(wanted & c.terms) >= needed
        ]
        if len(request.names) >= 2:
            chosen = []
            for name in request.names:
                about = [c for c in usable if _about(c.source, name)]
                if about:
                    chosen.append(max(about, key=value))
            return chosen
        if request.names:
            usable = [c for c in usable if _about(c.source, request.names[0])] or usable
        if not usable:
            return []
        best = max(usable, key=value)
        if steps and best.statement.step:
            following = self._rest_of_list(best, candidates)
        else:
            following = [
                c
                for c in usable
                if c.source == best.source
                and c.position == best.position + 1
                and not c.statement.is_fact
                and coverage(c) >= coverage(best) / 2
                # in its own words: every statement of the passage shares the title's
                and len(wanted & terms(c.statement.text)) >= needed
            ][:1]
        others: list[Candidate] = []
        for candidate in sorted(usable, key=value, reverse=True):
            if len(others) + 1 >= self._sources_per_request:
                break
            if candidate.source not in (best.source, *(o.source for o in others)) and (
                coverage(candidate) >= self._second_source_share * coverage(best)
            ):
                others.append(candidate)
        return [best, *following, *others]

    def _rest_of_list(self, first: Candidate, candidates: list[Candidate]) -> list[Candidate]:
        """The steps that follow a step in its passage, with the items nested between them
        (the rest of the procedure, not a list of facts after it)."""
        items = {c.position: c for c in candidates if c.source == first.source}
        rest = []
        position = first.position + 1
        while position in items and items[position].statement.listed:
            rest.append(items[position])
            position += 1
        while rest and not rest[-1].statement.step:
            rest.pop()
        return rest[: self._max_steps - 1]

    @staticmethod
    def _cite(source: Source, cited: list[Source]) -> int:
        """The source's citation number (cited in order of first use)."""
        if source not in cited:
            cited.append(source)
        return cited.index(source) + 1

    @staticmethod
    def _render(candidate: Candidate, compared: bool) -> str:
        """A statement as quoted; a fact or a compared statement says what it is about."""
        source, statement = candidate.source, candidate.statement
        text = statement.text
        subject = subject_of(source.title)
        if compared and subject and not statement.is_fact and subject.lower() not in text.lower():
            return f"{subject}: {text}"
        if (
            statement.is_fact
            and subject
            and statement.label
            and statement.value
            and not statement.label.istitle()
            and subject.lower() not in statement.label.lower()
            and len(statement.value.split()) <= SHORT_VALUE_WORDS
        ):
            return f"{statement.label} for the {subject}: {statement.value}."
        return text


def _with_citations(quotes: list[tuple[str, int]]) -> str:
    """Quotes in order, each run of quotes from one source followed by its citation."""
    return " ".join(
        " ".join(text for text, _ in run) + f" [{number}]"
        for number, run in groupby(quotes, key=itemgetter(1))
    )


def _about(source: Source, name: str) -> bool:
    """Whether a passage's document is about the named product itself (not a variant of it)."""
    title = source.title.lower()
    return (subject_of(source.title) or "").lower() == name.lower() or title.startswith(
        name.lower() + " "
    )


def _rarity(statement_terms: Iterable[frozenset[str]]) -> dict[str, float]:
    """Inverse statement frequency of each term among the candidates (rarer weighs more)."""
    frequency: Counter[str] = Counter()
    total = 0
    for found in statement_terms:
        frequency.update(found)
        total += 1
    return {term: math.log(1 + total / count) for term, count in frequency.items()}
