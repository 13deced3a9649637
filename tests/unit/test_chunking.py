"""Chunking follows headings, respects the token budget, overlaps, and has stable ids."""

from retrieval.chunking import blocks, chunk_document

DOCUMENT = """# Cards

Intro paragraph about cards.

## Lost cards

Report a lost card at once. We block it and send a new one.

- call us
- freeze it in the app

## Fees

### Foreign

Three percent abroad.
"""


def words(text: str) -> int:
    return len(text.split())


def test_blocks_carry_their_heading_path() -> None:
    found = {block.text: block.heading_path for block in blocks(DOCUMENT)}
    assert found["Intro paragraph about cards."] == ("Cards",)
    assert found["- call us\n- freeze it in the app"] == ("Cards", "Lost cards")
    assert found["Three percent abroad."] == ("Cards", "Fees", "Foreign")


def test_chunks_stay_within_budget_and_keep_order() -> None:
    long_text = "# Policy\n\n" + " ".join(f"Sentence number {i} about cards." for i in range(200))
    chunks = chunk_document("t/d", long_text, count=words, budget=40, overlap=8)
    assert len(chunks) > 5
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert all(words(c.text) <= 40 + 8 for c in chunks)
    assert all(c.heading_path == ("Policy",) for c in chunks)
    # the overlap repeats the end of the previous chunk at the start of the next
    assert chunks[1].text.split(".")[0] in chunks[0].text


def test_chunk_ids_are_stable_and_change_with_content_or_scope() -> None:
    first = chunk_document("acme/doc-1", DOCUMENT, count=words, budget=20)
    again = chunk_document("acme/doc-1", DOCUMENT, count=words, budget=20)
    other_tenant = chunk_document("globex/doc-1", DOCUMENT, count=words, budget=20)
    edited = chunk_document("acme/doc-1", DOCUMENT.replace("Three", "Four"), count=words, budget=20)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert not {c.chunk_id for c in first} & {c.chunk_id for c in other_tenant}
    changed = {c.chunk_id for c in edited} - {c.chunk_id for c in first}
    assert len(changed) == 1


def test_embedding_text_names_the_title_and_headings() -> None:
    chunk = chunk_document("t/d", DOCUMENT, count=words, budget=12)[-1]
    assert chunk.embedding_text("Card guide").startswith("Card guide > Cards > Fees > Foreign")


def test_a_section_written_to_staff_is_chunked_apart_without_overlap() -> None:
    page = (
        "# Cards\n\n## Replacing your card\n\n"
        + " ".join(f"You can order card number {n} in the app." for n in range(4))
        + "\n\n## Agent steps\n\n"
        + " ".join(f"Ask the customer for digit {n}." for n in range(4))
        + "\n\n## Fees\n\nYou pay nothing for a replacement card."
    )
    chunks = chunk_document("t/d", page, count=words, budget=200, overlap=16)
    assert [c.to_staff for c in chunks] == [False, True, False]
    staff = chunks[1].text
    assert staff.startswith("Ask the customer") and "You can" not in staff
    assert "customer" not in chunks[0].text + chunks[2].text
