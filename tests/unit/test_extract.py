"""Document formats: Markdown, plain text, HTML main text, PDF; clear refusals otherwise."""

import pytest

from retrieval.extract import UnprocessableDocument, extract, parse_jsonl
from tests.support.documents import CORRUPT_PDF, HTML_PAGE, pdf_with_text


def test_markdown_and_text_pass_through() -> None:
    assert extract(b"# Title\n\nBody text.", "text/markdown").text == "# Title\n\nBody text."
    assert extract("caf\u00e9".encode(), "text/plain").text == "caf\u00e9"


def test_html_keeps_the_main_text_and_drops_navigation() -> None:
    extracted = extract(HTML_PAGE, "text/html")
    assert "annual fee of 95 dollars" in extracted.text
    assert "Foreign transactions" in extracted.text
    assert "Privacy policy" not in extracted.text
    assert extracted.title == "Card fees"


def test_pdf_text_is_extracted() -> None:
    extracted = extract(
        pdf_with_text("Lost cards must be reported", "within two days."), "application/pdf"
    )
    assert "Lost cards must be reported" in extracted.text


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (b"x", "application/zip", "unsupported content type"),
        (b"   \n ", "text/plain", "empty"),
        (b"\xff\xfe\xfa", "text/plain", "UTF-8"),
        (CORRUPT_PDF, "application/pdf", "PDF cannot be read"),
        (b"<html><body><script>1</script></body></html>", "text/html", "no text"),
    ],
)
def test_bad_documents_are_refused_with_a_reason(
    data: bytes, content_type: str, reason: str
) -> None:
    with pytest.raises(UnprocessableDocument, match=reason):
        extract(data, content_type)


def test_jsonl_errors_name_the_line() -> None:
    assert parse_jsonl(b'{"a": 1}\n\n{"b": 2}\n') == [{"a": 1}, {"b": 2}]
    with pytest.raises(UnprocessableDocument, match="line 2"):
        parse_jsonl(b'{"a": 1}\n{broken\n')
