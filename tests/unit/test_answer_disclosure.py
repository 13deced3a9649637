"""Staff-only text never reaches the customer: a sentence that quotes an internal passage or
names one of its tool identifiers is withheld, whatever the generator streamed; text a
customer-facing source also says is kept."""

from collections.abc import AsyncIterator

from contracts import Source
from orchestrator.generators.disclosure import DisclosureGuard

GUIDANCE = Source(
    document_id="int-cli",
    title="Internal: Processing CLI Approvals",
    chunk_id="i1",
    score=0.8,
    snippet="",
    text="Use the approve_credit_limit_increase_5847 tool to approve and apply the increase. "
    "Customers may request an increase once every six months.",
    audience="internal",
)
PUBLIC = Source(
    document_id="cli",
    title="How can I request a CLI?",
    chunk_id="c1",
    score=0.9,
    snippet="",
    text="Customers may request an increase once every six months.",
)


async def streamed(*pieces: str) -> AsyncIterator[str]:
    for piece in pieces:
        yield piece


async def screened(guard: DisclosureGuard, *pieces: str) -> str:
    return "".join([piece async for piece in guard.screen(streamed(*pieces))])


async def test_a_sentence_quoting_staff_guidance_is_withheld_and_counted() -> None:
    guard = DisclosureGuard([GUIDANCE], [PUBLIC])
    text = await screened(
        guard,
        "Sure! Staff use the tool to approve ",
        "and apply the increase. You can ask ",
        "in the app.",
    )
    assert text == "Sure! You can ask in the app."
    assert guard.withheld == 1


async def test_a_tool_identifier_alone_is_withheld() -> None:
    guard = DisclosureGuard([GUIDANCE], [PUBLIC])
    text = await screened(guard, "I will run approve_credit_limit_increase_5847 now. Done.")
    assert text == "Done."


async def test_what_a_customer_facing_source_also_says_is_kept() -> None:
    guard = DisclosureGuard([GUIDANCE], [PUBLIC])
    answer = "Customers may request an increase once every six months. [1]"
    assert await screened(guard, answer) == answer
    assert guard.withheld == 0


async def test_without_guidance_the_answer_streams_untouched() -> None:
    guard = DisclosureGuard([], [PUBLIC])
    assert not guard.active
    assert [p async for p in guard.screen(streamed("a ", "b"))] == ["a ", "b"]
