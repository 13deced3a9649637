"""Structure-following chunking: sections by Markdown heading, packed to a token budget.

Each chunk keeps its document's title, the heading path it falls under and its position.
A block longer than the budget is split at sentences (then words); consecutive chunks share
a small overlap so a fact cut at a boundary is still found whole in one of them. A section
written to staff (`staff_voice.py`) is chunked on its own, without overlap into or out of it,
so its chunks can be indexed staff-only and no other chunk carries its text.
"""

import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt

from support_core.staff_voice import section_to_staff, sentences_of

CHUNK_NAMESPACE = uuid.UUID("8f4c7d2e-5b1a-4e63-9a0f-3c2d1b7e6a55")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
TokenCounter = Callable[[str], int]
_markdown = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class Block:
    """A paragraph, list, table or code block under a heading path."""

    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Chunk:
    """A piece of a document to embed and index."""

    chunk_id: str
    position: int
    heading_path: tuple[str, ...]
    text: str
    to_staff: bool = False

    def embedding_text(self, title: str) -> str:
        """What is embedded: the title and heading path give the passage its context."""
        context = " > ".join((title, *self.heading_path))
        return f"{context}\n\n{self.text}"


def blocks(markdown: str) -> list[Block]:
    """Top-level blocks of a Markdown (or plain text) document with their heading paths."""
    lines = markdown.splitlines()
    path: list[tuple[int, str]] = []
    found: list[Block] = []
    tokens = _markdown.parse(markdown)
    for index, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue
        if token.type == "heading_open":
            depth = int(token.tag[1:])
            title = tokens[index + 1].content.strip()
            path = [(d, t) for d, t in path if d < depth] + [(depth, title)]
            continue
        text = "\n".join(lines[token.map[0] : token.map[1]]).strip()
        if text:
            found.append(Block(tuple(t for _, t in path), text))
    return found


def _pieces(text: str, budget: int, count: TokenCounter) -> Iterator[str]:
    """Split an oversized block at its lines (a list at its items), a line still too long at
    sentences, and a sentence still too long at words; lines keep their breaks.

    Word pieces never cross whitespace, so a run of words costs the sum of their counts.
    """
    return _packed(_lines(text, budget, count), budget, count, "\n")


def _lines(text: str, budget: int, count: TokenCounter) -> Iterator[str]:
    """The block's lines, each cut to the budget at sentences, then words."""
    for line in text.splitlines():
        if count(line) <= budget:
            yield line
            continue
        for sentence in SENTENCE_END.split(line):
            if count(sentence) <= budget:
                yield sentence
            else:
                yield from _packed(sentence.split(), budget, count, " ")


def _packed(units: Iterable[str], budget: int, count: TokenCounter, joiner: str) -> Iterator[str]:
    """Consecutive units joined into pieces of at most `budget` tokens."""
    current: list[str] = []
    size = 0
    for unit in units:
        tokens = count(unit)
        if current and size + tokens > budget:
            yield joiner.join(current)
            current, size = [], 0
        current.append(unit)
        size += tokens
    if current:
        yield joiner.join(current)


def _tail(text: str, budget: int, count: TokenCounter) -> str:
    """The last sentences of `text` that fit in `budget` tokens (the overlap)."""
    kept: list[str] = []
    for sentence in reversed(SENTENCE_END.split(text)):
        if count(" ".join([sentence, *kept])) > budget:
            break
        kept.insert(0, sentence)
    return " ".join(kept)


def section_depth(found: list[Block]) -> int:
    """How many headings deep a document's sections are: the shallowest level with siblings.

    A document with one title heading and several sections under it is cut at the sections.
    """
    deepest = max((len(block.heading_path) for block in found), default=0)
    for depth in range(1, deepest + 1):
        if len({b.heading_path[:depth] for b in found if len(b.heading_path) >= depth}) > 1:
            return depth
    return 1


def staff_sections(found: list[Block]) -> set[tuple[str, ...]]:
    """The heading paths whose sections are written to staff."""
    sections: defaultdict[tuple[str, ...], list[str]] = defaultdict(list)
    for block in found:
        sections[block.heading_path] += sentences_of(block.text)
    return {path for path, sentences in sections.items() if section_to_staff(sentences)}


def chunk_id(scope: str, position: int, text: str) -> str:
    """Stable id: the same text at the same place of the same document gets the same id."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{scope}\x00{position}\x00{digest}"))


def chunk_document(
    scope: str, markdown: str, *, count: TokenCounter, budget: int = 200, overlap: int = 32
) -> list[Chunk]:
    """Chunks of a document; `scope` (tenant, session, document) makes chunk ids unique."""
    found = blocks(markdown)
    depth = section_depth(found)
    to_staff = staff_sections(found)
    units: list[Block] = []
    for block in found:
        if count(block.text) <= budget:
            units.append(block)
        else:
            units += [Block(block.heading_path, p) for p in _pieces(block.text, budget, count)]
    packed: list[tuple[tuple[str, ...], bool, list[str]]] = []
    size = 0
    for unit in units:
        tokens = count(unit.text)
        staff = unit.heading_path in to_staff
        new_section = bool(packed) and unit.heading_path[:depth] != packed[-1][0][:depth]
        if (
            not packed
            or staff != packed[-1][1]
            or size + tokens > budget
            or (new_section and size > budget // 2)
        ):
            packed.append((unit.heading_path, staff, []))
            size = 0
        packed[-1][2].append(unit.text)
        size += tokens
    chunks: list[Chunk] = []
    previous, previous_staff = "", False
    for position, (path, staff, texts) in enumerate(packed):
        body = "\n\n".join(texts)
        lead = _tail(previous, overlap, count) if previous and staff == previous_staff else ""
        text = f"{lead}\n\n{body}" if lead else body
        chunks.append(Chunk(chunk_id(scope, position, text), position, path, text, staff))
        previous, previous_staff = body, staff
    return chunks
