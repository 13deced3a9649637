"""A message becomes the requests it makes, in order, each with its context; product names
come from the knowledge base's titles, and a variant is told apart from its product."""

from retrieval.catalogue import Catalogue
from retrieval.requests import split_requests

DOCUMENTS = [
    (
        "gold-1",
        "Gold Rewards Card: Fees",
        "The Gold Rewards Card has no fee. Get a Gold Rewards Card.",
    ),
    ("gold-2", "Gold Rewards Card: Travel", "Use your Gold Rewards Card abroad."),
    ("biz-1", "Business Gold Rewards Card: Fees", "The Business Gold Rewards Card costs $200."),
    ("biz-2", "Business Gold Rewards Card: Limits", "Limits of the Business Gold Rewards Card."),
    ("silver-1", "Silver Rewards Card: Fees", "The Silver Rewards Card is free."),
    ("silver-2", "Silver Rewards Card: Cash back", "Earn 4% with the Silver Rewards Card."),
    ("bronze-1", "Bronze Rewards Card: Cash back", "Earn 1% with the Bronze Rewards Card."),
    ("int-1", "Internal: Fee waivers", "Only internal staff may waive fees; this is internal."),
    ("int-2", "Internal: Refunds", "Internal procedure for refunds, internal use."),
]


def test_a_simple_question_is_one_request() -> None:
    question = "What is the annual fee of the Gold Rewards card?"
    assert split_requests(question) == [question]
    assert split_requests("I see a charge I don't recognize, what should I do?") == [
        "I see a charge I don't recognize, what should I do?"
    ]


def test_several_requests_keep_their_order_and_context() -> None:
    assert split_requests(
        "My card was stolen, I need a replacement and want to dispute a $487.50 charge."
    ) == ["My card was stolen, I need a replacement", "want to dispute a $487.50 charge."]
    assert split_requests(
        "Hi. My card was stolen yesterday. I need a new card. Also, how do I dispute a charge?"
    ) == [
        "Hi. My card was stolen yesterday. I need a new card.",
        "Also, how do I dispute a charge?",
    ]


def test_many_requests_are_grouped_to_the_limit() -> None:
    message = " ".join(f"How do I change setting number {n}?" for n in range(10))
    requests = split_requests(message, limit=4)
    assert len(requests) == 4
    assert " ".join(requests) == message


def test_names_come_from_titles_and_a_variant_is_not_its_product() -> None:
    catalogue = Catalogue.build(DOCUMENTS)
    assert {"Gold Rewards Card", "Business Gold Rewards Card", "Silver Rewards Card"} <= (
        catalogue.names
    )
    assert "Internal" not in catalogue.names  # lower-case mid-sentence: a word, not a name
    assert catalogue.named_in("annual fee of the gold rewards card?") == {"Gold Rewards Card"}
    assert catalogue.named_in("the Business Gold Rewards Card fee") == {
        "Business Gold Rewards Card"
    }
    assert catalogue.subjects("biz-1") == {"Business Gold Rewards Card"}
    assert catalogue.variants_of("Gold Rewards Card") == {"Business Gold Rewards Card"}


def test_a_sibling_named_by_its_first_word_is_mentioned_in_order() -> None:
    catalogue = Catalogue.build(DOCUMENTS)
    question = "What is the cash back of the silver rewards card compared to the bronze one?"
    assert catalogue.mentioned(question) == ["Silver Rewards Card", "Bronze Rewards Card"]
