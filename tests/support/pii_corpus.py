"""A labelled corpus of support messages with personal data, generated with Faker.

Each sample knows where its personal data is (to measure recall and precision) and which
look-alike values must survive redaction (order numbers, amounts, dates, numbers failing their
checksum). Bare names with no cue ("I spoke to Anna Berg") are labelled `PERSON_BARE`: they are
personal data the redactor is known not to find.
"""

import random
from dataclasses import dataclass, field

from faker import Faker

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR")


@dataclass(frozen=True)
class Pii:
    """Personal data of one kind."""

    entity: str
    value: str


@dataclass(frozen=True)
class Keep:
    """A value that looks like personal data but is not, and must survive."""

    value: str


@dataclass
class Sample:
    """A message, where its personal data is, and what must survive."""

    text: str
    pii: list[tuple[str, int, int]] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)

    def values(self, *entities: str) -> list[str]:
        """The personal data of the given kinds (all kinds when none given)."""
        return [self.text[a:b] for e, a, b in self.pii if not entities or e in entities]


def compose(*parts: str | Pii | Keep) -> Sample:
    """A sample from literal text, personal data and look-alikes."""
    sample = Sample("")
    for part in parts:
        if isinstance(part, Pii):
            start = len(sample.text)
            sample.text += part.value
            sample.pii.append((part.entity, start, len(sample.text)))
        elif isinstance(part, Keep):
            sample.text += part.value
            sample.keep.append(part.value)
        else:
            sample.text += part
    return sample


def spaced(number: str, rng: random.Random) -> str:
    """A card number as people write it: plain, in groups of four, or with dashes."""
    style = rng.choice(("plain", "spaces", "dashes"))
    if style == "plain":
        return number
    separator = " " if style == "spaces" else "-"
    if len(number) == 15:
        return separator.join((number[:4], number[4:10], number[10:]))
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


def broken_luhn(number: str) -> str:
    """The same number with a wrong check digit."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def broken_iban(iban: str) -> str:
    """The same IBAN with its last digit changed (the mod-97 check fails)."""
    last = iban[-1]
    swapped = str((int(last) + 1) % 10) if last.isdigit() else ("A" if last != "A" else "B")
    return iban[:-1] + swapped


def grouped_iban(iban: str, rng: random.Random) -> str:
    """An IBAN plain or in the printed groups of four."""
    return iban if rng.random() < 0.5 else " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


class CorpusFactory:
    """Generates samples from templates filled with Faker data."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.fakers = {locale: Faker(locale) for locale in LOCALES}
        for index, faker in enumerate(self.fakers.values()):
            faker.seed_instance(seed + index)

    def faker(self) -> Faker:
        """A Faker of a random locale."""
        return self.fakers[self.rng.choice(LOCALES)]

    def name(self) -> str:
        """A first and last name."""
        faker = self.faker()
        return f"{faker.first_name()} {faker.last_name()}"

    def card(self) -> str:
        """A valid card number, written in one of the usual ways."""
        return spaced(self.fakers["en_US"].credit_card_number(), self.rng)

    def order(self) -> str:
        """An order reference."""
        return self.rng.choice(
            (f"#{self.rng.randint(10000, 9999999)}", f"ORD-{self.rng.randint(100000, 999999)}")
        )

    def amount(self) -> str:
        """A price."""
        value = self.rng.randint(1, 500000) / 100
        return self.rng.choice((f"${value:,.2f}", f"€{value:.2f}", f"{value:.2f} EUR"))

    def date(self) -> str:
        """A date in one of the usual notations."""
        day = self.fakers["en_US"].date_object()
        return self.rng.choice(
            (day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%B %d, %Y"))
        )

    def sample(self) -> Sample:
        """One message from a random template."""
        return self.rng.choice(TEMPLATES)(self)

    def samples(self, count: int) -> list[Sample]:
        """`count` messages."""
        return [self.sample() for _ in range(count)]


def _card_charged(c: CorpusFactory) -> Sample:
    return compose(
        "Hi, my name is ",
        Pii("PERSON", c.name()),
        " and my card ",
        Pii("CARD", c.card()),
        " was charged twice for order ",
        Keep(c.order()),
        " on ",
        Keep(c.date()),
        ".",
    )


def _call_back(c: CorpusFactory) -> Sample:
    faker = c.faker()
    return compose(
        "Please call me back at ",
        Pii("PHONE", faker.phone_number()),
        " or write to ",
        Pii("EMAIL", faker.email()),
        " about the refund of ",
        Keep(c.amount()),
        ".",
    )


def _refund_iban(c: CorpusFactory) -> Sample:
    iban = c.fakers[c.rng.choice(("de_DE", "fr_FR", "en_GB"))].iban()
    return compose(
        "Refund ",
        Keep(c.amount()),
        " to IBAN ",
        Pii("IBAN", grouped_iban(iban, c.rng)),
        ", reference ",
        Keep(c.order()),
        ". Thanks, ",
        Pii("PERSON", c.name()),
    )


def _ssn_and_ip(c: CorpusFactory) -> Sample:
    faker = c.fakers["en_US"]
    return compose(
        "My SSN is ",
        Pii("SSN", faker.ssn()),
        " and I logged in from ",
        Pii("IP", faker.ipv4() if c.rng.random() < 0.6 else faker.ipv6()),
        " on ",
        Keep(c.date()),
        " but the app shows version ",
        Keep("4.12.7"),
        ".",
    )


def _bare_name(c: CorpusFactory) -> Sample:
    return compose(
        "I spoke to ",
        Pii("PERSON_BARE", c.name()),
        " yesterday about order ",
        Keep(c.order()),
        " and was promised ",
        Keep(c.amount()),
        " back.",
    )


def _sign_off(c: CorpusFactory) -> Sample:
    faker = c.faker()
    return compose(
        "The transfer of ",
        Keep(c.amount()),
        " on ",
        Keep(c.date()),
        " never arrived. My mobile is ",
        Pii("PHONE", faker.phone_number()),
        ".\nKind regards,\n",
        Pii("PERSON", c.name()),
    )


def _look_alikes(c: CorpusFactory) -> Sample:
    card = c.fakers["en_US"].credit_card_number()
    iban = c.fakers["de_DE"].iban()
    return compose(
        "Order ",
        Keep(c.order()),
        " of ",
        Keep(str(c.rng.randint(2, 40))),
        " items, total ",
        Keep(c.amount()),
        ", shipped ",
        Keep(c.date()),
        ". The number ",
        Keep(spaced(broken_luhn(card), c.rng)),
        " was rejected, and so was ",
        Keep(broken_iban(iban)),
        ".",
    )


def _agent_reply(c: CorpusFactory) -> Sample:
    faker = c.faker()
    return compose(
        "Hello ",
        Pii("PERSON", c.name()),
        ", I am sorry for the trouble. I have sent the form to ",
        Pii("EMAIL", faker.email()),
        "; the case number is ",
        Keep(c.order()),
        ".",
    )


def _no_personal_data(c: CorpusFactory) -> Sample:
    return compose(
        "Hi team, I'm trying to reset my password since ",
        Keep(c.date()),
        "; the app (version ",
        Keep(f"{c.rng.randint(1, 9)}.{c.rng.randint(0, 20)}.{c.rng.randint(0, 9)}"),
        ") shows error ",
        Keep(f"E{c.rng.randint(100, 999)}"),
        " at ",
        Keep(f"{c.rng.randint(0, 23):02d}:{c.rng.randint(0, 59):02d}"),
        ". Thanks!",
    )


TEMPLATES = (
    _no_personal_data,
    _card_charged,
    _call_back,
    _refund_iban,
    _ssn_and_ip,
    _bare_name,
    _sign_off,
    _look_alikes,
    _agent_reply,
)

EDGE_CASES: tuple[Sample, ...] = (
    compose("card ", Pii("CARD", "4111 1111 1111 1111"), " exp 12/27"),
    compose("card ", Pii("CARD", "4111-1111-1111-1111"), " please"),
    compose("card ", Pii("CARD", "4111111111111111")),
    compose(
        "amex ",
        Pii("CARD", "3782 822463 10005"),
        " and mastercard ",
        Pii("CARD", "5555555555554444"),
    ),
    compose("not a card: ", Keep("4111 1111 1111 1112"), " nor ", Keep("4111111111111112")),
    compose(
        "IBAN ",
        Pii("IBAN", "DE89 3704 0044 0532 0130 00"),
        " (",
        Pii("IBAN", "GB82WEST12345698765432"),
        ")",
    ),
    compose(
        "wrong IBAN ", Keep("DE89 3704 0044 0532 0130 01"), " and ", Keep("GB82WEST12345698765433")
    ),
    compose(
        "SSN ",
        Pii("SSN", "123-45-6789"),
        ", also ",
        Pii("SSN", "123 45 6789"),
        " or ssn: ",
        Pii("SSN", "123456789"),
    ),
    compose("not an SSN: ", Keep("666-12-3456"), " or ", Keep("000-12-3456")),
    compose(
        "from ",
        Pii("IP", "192.168.1.20"),
        ", ",
        Pii("IP", "2001:db8::1"),
        " and ",
        Pii("IP", "::ffff:192.0.2.1"),
    ),
    compose(
        "mail ",
        Pii("EMAIL", "john.doe+refunds@example.co.uk"),
        ". Or ",
        Pii("EMAIL", "JÖRG@münchen.de"),
    ),
    compose(
        "call ",
        Pii("PHONE", "+1 (212) 555-0199"),
        " or ",
        Pii("PHONE", "020 7946 0958"),
        " or ",
        Pii("PHONE", "+49 30 901820"),
    ),
    compose(
        "mobile ",
        Pii("PHONE", "0151 23456789"),
        ", office ",
        Pii("PHONE", "(415) 555-0132 ext. 12"),
        ", ",
        Pii("PHONE", "06 12 34 56 78"),
    ),
    compose(
        "on ",
        Keep("2024-05-01"),
        " at ",
        Keep("10:30"),
        " I paid ",
        Keep("$1,234.56"),
        " for order ",
        Keep("#5521873"),
        ", qty ",
        Keep("250000"),
    ),
    compose(
        "tracking ",
        Keep("1Z999AA10123456784"),
        ", ref ",
        Keep("ORD-2023-118822"),
        ", invoice ",
        Keep("INV-4410-2290"),
    ),
    compose(
        "Mr. ",
        Pii("PERSON", "Smith"),
        " and Dr. ",
        Pii("PERSON", "Julien Le Gall"),
        " called",
        " — regards, ",
        Pii("PERSON", "Élodie Martin"),
    ),
)
