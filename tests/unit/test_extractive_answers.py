"""The extractive generator: whole sentences and facts without Markdown, one part per request
in the order asked, a statement per product compared, an honest "I couldn't find that" for a
request the knowledge base does not cover, and "nothing matched" told apart from "could not
search"."""

import pytest

from contracts import Source
from orchestrator.generators.base import CANNOT_LOOK_UP, DONT_KNOW, GenerationInput, Request
from orchestrator.generators.extractive import ExtractiveGenerator
from orchestrator.generators.statements import statements

GENERATOR = ExtractiveGenerator(min_confidence=0.35)
DISPUTES = """## Charges you don't recognise
If you see a charge you don't recognise, **freeze your card** in the app first.
Then open the transaction and choose *Dispute*:
- **Unauthorized transactions**: charges you did not make.
- **Duplicate charges**: the same purchase billed twice.

| Dispute window | Days |
|---|---|
| Card purchases | 60 |
| ATM withdrawals | 30 |
"""


def source(document_id: str, title: str, text: str, score: float = 0.9) -> Source:
    return Source(
        document_id=document_id,
        title=title,
        chunk_id=f"{document_id}-1",
        score=score,
        snippet=text[:80],
        text=text,
    )


GOLD = source(
    "gold",
    "Gold Rewards Card: Fees",
    "- Annual fee: $0.00\n- Cash back on all purchases: 2.5%\n",
)
SILVER = source(
    "silver",
    "Silver Rewards Card: Earning Cash Back",
    "- Cash back on travel purchases: 4%\n- Annual fee: $0.00\n",
)
BRONZE = source(
    "bronze",
    "Bronze Rewards Card: Getting Started",
    "- Cash back on dining purchases: 1.5%\n- Annual fee: $0.00\n",
)
CARDS = source(
    "lost",
    "Lost or stolen cards",
    "Freeze a lost card at once in the app. Order a replacement card from the cards page.",
)


def test_statements_are_whole_sentences_and_facts_without_markdown() -> None:
    found = [statement.text for statement in statements(DISPUTES)]
    assert found == [
        "If you see a charge you don't recognise, freeze your card in the app first.",
        "Unauthorized transactions: charges you did not make.",
        "Duplicate charges: the same purchase billed twice.",
        "Card purchases: 60.",
        "ATM withdrawals: 30.",
    ]
    assert not any(mark in " ".join(found) for mark in ("**", "*", "|", "#", "- "))


def test_a_passage_cut_mid_sentence_is_not_quoted_from_its_cut() -> None:
    found = statements("a merchant. Contact the merchant before you dispute a charge.")
    assert [s.text for s in found] == ["Contact the merchant before you dispute a charge."]


def test_a_fact_is_quoted_with_the_product_it_is_about() -> None:
    given = GenerationInput(
        question="What is the annual fee of the Gold Rewards card?",
        sources=[GOLD],
        confidence=0.8,
    )
    text, cited, offers_human = GENERATOR.compose(given)
    assert text == "Annual fee for the Gold Rewards Card: $0.00. [1]"
    assert cited == [GOLD] and not offers_human


def test_a_comparison_quotes_each_product_named() -> None:
    question = (
        "What are the cash back rates for the silver rewards card compared to the bronze one?"
    )
    request = Request(
        question, [SILVER, BRONZE], 0.7, ["Silver Rewards Card", "Bronze Rewards Card"]
    )
    given = GenerationInput(
        question=question, sources=[SILVER, BRONZE], confidence=0.7, requests=[request]
    )
    text, cited, _ = GENERATOR.compose(given)
    assert text == (
        "Cash back on travel purchases for the Silver Rewards Card: 4%. [1] "
        "Cash back on dining purchases for the Bronze Rewards Card: 1.5%. [2]"
    )
    assert cited == [SILVER, BRONZE]


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("How long does a bank transfer take?", "Bank transfers take 3 business days to arrive."),
        ("How much does a bank transfer cost?", "Bank transfers cost $2 each."),
    ],
)
def test_the_statement_giving_the_kind_of_answer_asked_for_comes_first(
    question: str, first: str
) -> None:
    transfers = source(
        "transfers",
        "Bank transfers",
        "Bank transfers you take or cost-share from the app are tracked in your activity. "
        "Bank transfers cost $2 each. Bank transfers take 3 business days to arrive.",
    )
    given = GenerationInput(question=question, sources=[transfers], confidence=0.8)
    text, _, _ = GENERATOR.compose(given)
    assert text.startswith(first)


def test_the_next_sentence_follows_only_when_its_own_words_answer_too() -> None:
    transfers = source(
        "transfers",
        "Bank transfers",
        "Bank transfers take 3 business days to arrive. Statements are sent monthly. "
        "Bank transfers sent after 5 pm take a day longer.",
    )
    question = "How long do bank transfers take?"
    text, _, _ = GENERATOR.compose(
        GenerationInput(question=question, sources=[transfers], confidence=0.8)
    )
    assert text == "Bank transfers take 3 business days to arrive. [1]"


def test_asked_how_to_do_something_the_answer_quotes_the_numbered_steps() -> None:
    deposits = source(
        "deposits",
        "Depositing a check",
        "You can deposit a check from the app.\n\n"
        "1. Open the app and sign in.\n2. Choose Deposit a check.\n"
        "3. Photograph the check:\n   - Front: all four corners visible.\n"
        "4. Submit the deposit.\n- Deposit fee: none.\n\n"
        "Deposits made after 9 pm post the next day.",
    )
    text, _, _ = GENERATOR.compose(
        GenerationInput(question="How do I deposit a check?", sources=[deposits], confidence=0.8)
    )
    assert text == (
        "Open the app and sign in. Choose Deposit a check. "
        "Front: all four corners visible. Submit the deposit. [1]"
    )


def test_each_request_gets_its_part_in_order_and_an_uncovered_one_says_so() -> None:
    requests = [
        Request("My card was stolen, how do I get a replacement card?", [CARDS], 0.8),
        Request("Are dogs allowed in your branches?", [GOLD], 0.2),
        Request("What is the annual fee of the Gold Rewards Card?", [GOLD], 0.7),
    ]
    given = GenerationInput(
        question=" ".join(r.text for r in requests),
        sources=[CARDS, GOLD],
        confidence=0.8,
        requests=requests,
    )
    text, cited, offers_human = GENERATOR.compose(given)
    parts = text.split("\n\n")
    assert parts == [
        "Order a replacement card from the cards page. [1]",
        "I couldn't find anything about “Are dogs allowed in your branches” in our help center.",
        "Annual fee for the Gold Rewards Card: $0.00. [2]",
    ]
    assert cited == [CARDS, GOLD] and offers_human


def test_an_uncovered_request_is_quoted_by_its_question_without_markdown_or_context() -> None:
    uncovered = (
        "**My situation:** I visit with my dog.\n\n## Branches\n\n- Are dogs allowed inside?"
    )
    requests = [
        Request(uncovered, [GOLD], 0.2),
        Request("What is the annual fee of the Gold Rewards Card?", [GOLD], 0.7),
    ]
    given = GenerationInput(
        question=" ".join(r.text for r in requests),
        sources=[GOLD],
        confidence=0.7,
        requests=requests,
    )
    text, _, _ = GENERATOR.compose(given)
    assert text.split("\n\n")[0] == (
        "I couldn't find anything about “Are dogs allowed inside” in our help center."
    )


def test_an_empty_knowledge_base_says_it_does_not_know_and_offers_a_human() -> None:
    text, cited, offers_human = GENERATOR.compose(
        GenerationInput(question="How do I report a lost card?", sources=[], confidence=None)
    )
    assert (text, cited, offers_human) == (DONT_KNOW, [], True)


def test_a_knowledge_base_that_could_not_be_searched_says_so() -> None:
    text, cited, offers_human = GENERATOR.compose(
        GenerationInput(
            question="How do I report a lost card?",
            sources=[],
            confidence=None,
            knowledge_available=False,
        )
    )
    assert (text, cited, offers_human) == (CANNOT_LOOK_UP, [], True)
