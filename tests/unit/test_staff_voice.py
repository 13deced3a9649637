"""Text written to staff is told apart from text for the customer, and never quoted to one."""

import pytest

from orchestrator.generators.statements import statements
from support_core.staff_voice import section_to_staff, to_staff


@pytest.mark.parametrize(
    "sentence",
    [
        "Ask the customer to verify their account number.",
        "Have the customer reset their password.",
        "If the card is PENDING, help the customer activate it.",
        "- Say: 'Your account has a restriction that is preventing transactions.'",
        'Explain: "You have pending transactions that haven\'t posted yet."',
        "Customer may be using an old card number after a replacement.",
        "1. Confirm the customer's identity before any change.",
        "Note: The agent cannot deposit checks on behalf of the customer.",
        "**NEVER** tell the customer their card has been flagged.",
    ],
)
def test_a_sentence_to_staff_is_recognised(sentence: str) -> None:
    assert to_staff(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "You can ask customer support to reissue your card.",
        "Contact customer service if the charge is still pending.",
        "Customers can deposit checks with the mobile app.",
        "The customer receives only the highest bonus, not the sum of all of them.",
        "Offer is for new customers only.",
        "We will tell you when the customer agreement changes.",
        "Freeze your card in the app before you dispute a charge.",
    ],
)
def test_a_sentence_for_the_customer_is_not(sentence: str) -> None:
    assert not to_staff(sentence)


def test_a_section_is_to_staff_with_two_such_sentences_or_a_third_of_them() -> None:
    customer = ["You can order a card in the app.", "Cards arrive in five days."]
    assert not section_to_staff(customer * 3)
    assert section_to_staff([*customer, "Ask the customer for the card's last four digits."])
    many = [f"You can pay bill number {n} in the app." for n in range(9)]
    assert not section_to_staff([*many, "Ask the customer which bill."])
    assert section_to_staff([*many, "Ask the customer which bill.", "Inform customer of fees."])


def test_staff_sentences_and_unfilled_placeholders_are_not_quotable() -> None:
    passage = (
        "You can raise your limit in the app. Have the customer reset their password. "
        "Your card allows [limit] transactions per day. Dear {{name}}, welcome aboard. "
        "See section [2] of the terms for details."
    )
    assert [s.text for s in statements(passage)] == [
        "You can raise your limit in the app.",
        "See section [2] of the terms for details.",
    ]
