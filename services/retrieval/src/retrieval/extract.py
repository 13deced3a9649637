"""Turn an uploaded file into text with its structure (Markdown headings) kept."""

import io
import json
from dataclasses import dataclass

import trafilatura
from pypdf import PdfReader
from pypdf.errors import PdfReadError

MARKDOWN = frozenset({"text/markdown", "text/x-markdown"})
PLAIN = frozenset({"text/plain"})
HTML = frozenset({"text/html", "application/xhtml+xml"})
PDF = frozenset({"application/pdf"})
SUPPORTED = MARKDOWN | PLAIN | HTML | PDF
SUFFIXES = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
}


class UnprocessableDocument(ValueError):
    """The document cannot be indexed; the message says why, for the operator."""


@dataclass(frozen=True)
class Extracted:
    """Indexable text (Markdown where the source had structure) and a title if the file had one."""

    text: str
    title: str | None = None


def content_type_for(filename: str, declared: str | None) -> str:
    """The content type to parse as: the declared one, else guessed from the file name."""
    if declared and declared.split(";")[0].strip() not in ("", "application/octet-stream"):
        return declared.split(";")[0].strip().lower()
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return SUFFIXES.get(suffix, "application/octet-stream")


def extract(data: bytes, content_type: str) -> Extracted:
    """Text of a supported document; raise `UnprocessableDocument` for anything else."""
    if content_type not in SUPPORTED:
        raise UnprocessableDocument(f"unsupported content type {content_type!r}")
    if not data.strip():
        raise UnprocessableDocument("the document is empty")
    if content_type in PDF:
        extracted = _pdf(data)
    elif content_type in HTML:
        extracted = _html(data)
    else:
        extracted = Extracted(_decode(data))
    if not extracted.text.strip():
        raise UnprocessableDocument("the document contains no text")
    return extracted


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnprocessableDocument("text is not valid UTF-8") from None


def _html(data: bytes) -> Extracted:
    html = _decode(data)
    text = trafilatura.extract(
        html, output_format="markdown", include_links=False, include_comments=False
    )
    metadata = trafilatura.extract_metadata(html)
    return Extracted(text or "", metadata.title if metadata else None)


def _pdf(data: bytes) -> Extracted:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnprocessableDocument("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except UnprocessableDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnprocessableDocument(f"the PDF cannot be read: {exc}") from None
    return Extracted("\n\n".join(page.strip() for page in pages if page.strip()), title)


def parse_jsonl(data: bytes) -> list[dict[str, object]]:
    """Records of a JSONL upload; raise `UnprocessableDocument` naming the first bad line."""
    records = []
    for number, line in enumerate(_decode(data).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UnprocessableDocument(f"line {number} is not JSON: {exc.msg}") from None
        if not isinstance(record, dict):
            raise UnprocessableDocument(f"line {number} is not a JSON object")
        records.append(record)
    if not records:
        raise UnprocessableDocument("the JSONL file has no records")
    return records
