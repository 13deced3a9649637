"""The PII redactor: each kind of personal data, look-alikes that must stay, JSON values."""

import pytest

from support_core.redaction import Entity, Redactor
from tests.support.pii_corpus import EDGE_CASES, CorpusFactory

redactor = Redactor()
DETECTED = tuple(entity.value for entity in Entity)


def redacted(text: str) -> str:
    return redactor.redact(text)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 exp 12/27", "card <CARD> exp 12/27"),
        ("card 4111-1111-1111-1111.", "card <CARD>."),
        ("card 4111111111111111", "card <CARD>"),
        ("amex 3782 822463 10005", "amex <CARD>"),
        ("IBAN DE89 3704 0044 0532 0130 00.", "IBAN <IBAN>."),
        ("iban gb82west12345698765432 please", "iban <IBAN> please"),
        ("SSN 123-45-6789", "SSN <SSN>"),
        ("my ssn is 123456789", "my ssn is <SSN>"),
        ("from 192.168.1.20.", "from <IP>."),
        ("from 2001:db8::1 and ::ffff:192.0.2.1", "from <IP> and <IP>"),
        ("write to john.doe+refunds@example.co.uk.", "write to <EMAIL>."),
        ("call +1 (212) 555-0199 or 020 7946 0958", "call <PHONE> or <PHONE>"),
        ("mobile 0151 23456789", "mobile <PHONE>"),
        ("office (415) 555-0132 ext. 12", "office <PHONE>"),
        ("Hi, my name is Julien Le Gall.", "Hi, my name is <PERSON>."),
        ("Kind regards,\nÉlodie Martin-Dubois", "Kind regards,\n<PERSON>"),
    ],
)
def test_personal_data_is_replaced_by_typed_placeholders(text: str, expected: str) -> None:
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "not a card: 4111 1111 1111 1112 nor 4111111111111112 nor 4111-1111-1111-1112",
        "wrong IBAN DE89 3704 0044 0532 0130 01 and GB82WEST12345698765433",
        "not an SSN: 666-12-3456 or 000-12-3456",
        "on 2024-05-01 at 10:30 I paid $1,234.56 (€1.234,56) for order #5521873, qty 250000",
        "tracking 1Z999AA10123456784, ref ORD-2023-118822, invoice INV-4410-2290, v4.12.7",
        "Hi team, this is about the Premium plan. Thanks!",
        "## Best Practices\nThis is FRAUD. Best Buy refused; date of birth (05/12/1991).",
        "1 point = $0.0125 (1.25 cents per point), thank you. Now what?",
    ],
)
def test_look_alikes_and_plain_text_stay(text: str) -> None:
    assert redacted(text) == text


def test_overlapping_findings_merge_so_no_digit_leaks() -> None:
    findings = redactor.findings("mapped ::ffff:192.0.2.1 here")
    assert [(f.entity, f.start, f.end) for f in findings] == [(Entity.IP, 7, 23)]


def test_json_values_are_redacted_recursively_except_kept_keys() -> None:
    payload = {
        "session_id": "4111111111111111",
        "text": "mail me at ann@example.com",
        "sources": [{"snippet": "call 020 7946 0958", "score": 0.5}],
        "count": 3,
    }
    value, found = redactor.redact_value(payload, keep={"session_id"})
    assert found == 2
    assert value == {
        "session_id": "4111111111111111",
        "text": "mail me at <EMAIL>",
        "sources": [{"snippet": "call <PHONE>", "score": 0.5}],
        "count": 3,
    }


def test_names_can_be_switched_off() -> None:
    assert Redactor(names=False).redact("my name is Ann Berg")[0] == "my name is Ann Berg"


def test_generated_corpus_is_fully_redacted_and_look_alikes_survive() -> None:
    samples = CorpusFactory(seed=11).samples(400) + list(EDGE_CASES)
    leaks, broken = [], []
    for sample in samples:
        text, _ = redactor.redact(sample.text)
        leaks += [(value, text) for value in sample.values(*DETECTED) if value in text]
        broken += [(value, text) for value in sample.keep if value not in text]
    assert leaks == []
    assert broken == []
