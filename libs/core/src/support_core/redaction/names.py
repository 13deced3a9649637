"""Detector of person names introduced by a cue: "my name is …", "Mr …", "Regards, …".

No language model is available offline, so names are found only where the text announces them;
a bare name in the middle of a sentence is not detected (see docs/audit.md).
"""

import re
from collections.abc import Iterator

Span = tuple[int, int]

CUE = re.compile(
    r"(?i:\b(?:"
    # introductions and form labels
    r"(?:my name is|my name's|name is|i am|i'm|this is|call me|named|speaking with"
    r"|talking to)[ \t]+"
    r"|(?:name|full name|account holder|cardholder|card holder|customer)[ \t]*[:(][ \t]*"
    # titles
    r"|(?:mr|mrs|ms|miss|mx|dr|prof)\.?[ \t]+"
    # greetings
    r"|(?:dear|hi|hello|hey),?[ \t]+"
    # sign-offs, always followed by a comma or a line break
    r"|(?:thanks|thank you|regards|cheers|sincerely|best|best wishes|signed)"
    r"(?:[ \t]*,[ \t]*\n?|[ \t]*\n)[ \t]*"
    r"))"
)
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
PARTICLES = frozenset(
    {"de", "van", "von", "der", "den", "le", "la", "du", "da", "di", "del", "dos", "bin", "al"}
)
NOT_NAMES = frozenset(
    """
    i i'm i've i'd i'll a an the my your our their his her its we you they he she it this that
    these those there here team support everyone all sir madam customer service services bank
    thanks thank hi hello hey dear please can could would will shall should may might must not
    just still so
    very really also again trying having calling writing looking sorry happy glad unable new
    back good fine ok okay yes no monday tuesday wednesday thursday friday saturday sunday
    january february march may july september october november december
    today tomorrow yesterday customer agent manager human person someone anyone nobody card
    account order refund payment help issue problem question visa mastercard amex paypal is
    was am are be been
    """.split()
)
MAX_WORDS = 4


def find_names(text: str) -> Iterator[Span]:
    """Capitalised words (with particles such as "van", "de") right after a name cue."""
    for cue in CUE.finditer(text):
        span = _name_after(text, cue.end())
        if span is not None:
            yield span


def _name_after(text: str, position: int) -> Span | None:
    start = end = position
    words = 0
    while words < MAX_WORDS:
        word = WORD.match(text, position)
        if word is None:
            break
        token = word[0]
        if token.lower() in PARTICLES and words:
            position = _skip_space(text, word.end())
            continue
        shouting = len(token) > 1 and token.isupper()
        if not token[0].isupper() or shouting or token.lower() in NOT_NAMES:
            break
        end = word.end()
        words += 1
        position = _skip_space(text, end)
    return (start, end) if words else None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t":
        position += 1
    return position
