"""A Markdown passage as statements a customer can read: whole sentences and list facts, with
the Markdown taken out.

Emphasis, code marks, links and HTML go; headings and a list's lead-in ("Steps:") are context,
not statements; a two-column table row reads as a fact ("Annual fee: $95"), wider tables are
left out; a sentence the chunk cut at its start (lower-case first word) is dropped, so nothing
is quoted from mid-sentence or mid-list. A sentence written to staff (`staff_voice.py`: "Ask
the customer to…", "Say: '…'") and a template's unfilled placeholder ("[amount]",
"{{name}}") are not for the customer either.
"""

import re
from dataclasses import dataclass, replace

from support_core.staff_voice import to_staff

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
HEADING = re.compile(r"^\s*#{1,6}\s")
RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}")
TABLE_ROW_BREAK = re.compile(r"\|\s+\|")
INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>]+>"), ""),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"[*_]{2,}"), ""),
)
PLACEHOLDER = re.compile(r"\[(?!\d+\])[^\]\n]{1,40}\](?!\()|\{\{[^}\n]+\}\}")
FACT = re.compile(r"^(?P<label>[A-Z][^:.!?]{1,60}?):\s+(?P<value>\S.*)$")
MIN_WORDS = 3


@dataclass(frozen=True)
class Statement:
    """A quotable statement; a fact is a `label: value` pair from a list or table; `listed`
    if it comes from a list item, `step` if from a numbered one."""

    text: str
    label: str | None = None
    value: str | None = None
    listed: bool = False
    step: bool = False

    @property
    def is_fact(self) -> bool:
        """A `label: value` pair rather than a sentence."""
        return self.label is not None


def plain(text: str) -> str:
    """Inline Markdown and HTML removed, whitespace collapsed."""
    for pattern, replacement in INLINE:
        text = pattern.sub(replacement, text)
    return " ".join(text.split()).strip()


def statements(passage: str) -> list[Statement]:
    """The passage's statements in reading order."""
    found: list[Statement] = []
    for block in _blocks(passage):
        if block.startswith("|"):
            found += _table_row(block)
            continue
        item, step = bool(LIST_MARK.match(block)), bool(NUMBERED.match(block))
        text = plain(LIST_MARK.sub("", block))
        if item and (fact := _fact(text)):
            found.append(replace(fact, listed=True, step=step))
            continue
        for sentence in SENTENCE_END.split(text):
            if statement := _sentence(sentence, closes=item):
                found.append(replace(statement, listed=item, step=step))
    return [s for s in found if not (to_staff(s.text) or PLACEHOLDER.search(s.text))]


def _blocks(passage: str) -> list[str]:
    """List items, table rows and paragraphs (hard-wrapped lines joined)."""
    blocks: list[str] = []
    joinable = False
    for line in passage.splitlines():
        stripped = line.strip()
        if not stripped or HEADING.match(line) or RULE.match(line):
            joinable = False
            continue
        if stripped.startswith("|"):
            # A table may come as one line per row or with its rows run together.
            for row in (row.strip() for row in TABLE_ROW_BREAK.split(stripped)):
                if TABLE_SEPARATOR.match(row):
                    if blocks and blocks[-1].startswith("|"):
                        blocks.pop()  # the header row names the columns; it states nothing
                elif row:
                    blocks.append(row if row.startswith("|") else f"|{row}")
            joinable = False
        elif LIST_MARK.match(line):
            blocks.append(stripped)
            joinable = True
        elif joinable and blocks:
            blocks[-1] = f"{blocks[-1]} {stripped}"
        else:
            blocks.append(stripped)
            joinable = True
    return blocks


def _table_row(row: str) -> list[Statement]:
    cells = [plain(cell) for cell in row.strip().strip("|").split("|")]
    if len(cells) != 2 or not all(cells):
        return []
    fact = _fact(f"{cells[0]}: {cells[1]}")
    return [fact] if fact else []


def _fact(text: str) -> Statement | None:
    match = FACT.match(text)
    if match is None:
        return None
    label, value = match["label"].strip(), match["value"].strip().rstrip(".;")
    if not value or value.endswith(":") or SENTENCE_END.search(value):
        return None
    return Statement(f"{label}: {value}.", label, value)


def _sentence(raw: str, *, closes: bool) -> Statement | None:
    text = raw.strip().strip("`* ")
    if len(text.split()) < MIN_WORDS or not (text[0].isupper() or text[0].isdigit()):
        return None
    if text.endswith((":", "?", ",", ";")) or "|" in text:
        return None
    if text.rstrip("'\"”’)")[-1:] not in (".", "!"):
        if not closes:
            return None  # a paragraph cut off by the end of the passage
        text += "."
    return Statement(text)
