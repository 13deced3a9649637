"""Detectors: each looks at the customer's message (and the turn) and may give a reason code."""

import re
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from contracts import Embedding
from escalation.classifier import HumanRequestClassifier
from escalation.policy import EscalationPolicy

SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|(?<=:)\*{0,2}\s+")
PERSON = (
    r"(humans?|persons?|people|someone|somebody|anyone|anybody|representatives?|reps?|"
    r"supervisors?|managers?|operators?|staff( members?)?|employees?|advis[eo]rs?|colleagues?|"
    r"specialists?|bankers?|(an|a|human|live|real|actual|another|other|your) agents?)"
)
TEAM = r"((your|the) (\w+ ){0,2}(team|department|desk)|customer (service|support))"
CONTACT = (
    r"(speak|talk|chat|transfer|connect|discuss|deal|put me through|put me in touch|"
    r"get me through|hand (me|this|it) over|escalate)"
)
# Asking to be put in contact: a contact verb aimed at a person or a team, wanting a person,
# a person asked to get in touch or to take the case, or asking whether one is there.
REQUEST = re.compile(
    rf"\b{CONTACT}\b.{{0,40}}?\b({PERSON}|{TEAM})\b|"
    rf"\b(want|need|get|give|let me have|bring in)( me)?( a| an| some| one| to see a)? "
    rf"(real |live |actual )?{PERSON}\b(?!['’]s)|"
    r"\bwho (can|could|should) (i|we) (call|phone|speak|talk|contact)\b|"
    r"\b(need|want) (someone|somebody) (to|who)\b|"
    rf"\b({PERSON}|{TEAM})\b.{{0,30}}?\b(call|phone|ring|contact|e-?mail|text) me\b|"
    rf"\b(have|get|let) (a |an |some |one of your )?(real |live |actual )?{PERSON} "
    r"(look|check|review|handle|deal|take)\b|"
    rf"\b{PERSON} (i|we) (can|could) (speak|talk|chat)\b|"
    r"\b(is|are) (there )?(anyone|anybody|someone|somebody|any (humans?|people|persons?|staff))"
    r"\b.{0,20}?\b(real|available|working)\b",
    re.IGNORECASE,
)
DIRECT = re.compile(
    r"\b(real|live|actual) (person|human|agent|employee|staff|people)\b|"
    r"\bhuman (agent|being|please)\b|"
    r"\btransfer me\b|\bescalate (this|me|it)\b|\bnot (a|another) (bot|robot|machine)\b|"
    r"\byou'?re (just )?a bot\b|^\W*(human|agent|representative|operator)\W*(please)?\W*$",
    re.IGNORECASE,
)
# Not the customer asking: a refusal, or the assistant's offer described.
NOT_ASKING = re.compile(
    r"\b(don'?t|do not|never|no need( to| for)?|without|decline)\b[^.,;]{0,25}?"
    r"\b(transfer|human|agent|person|escalate|talk|speak|anyone)|"
    r"\boffer(s|ed|ing)? to\b|\b(transfer(ring)?|connect(ing)?|escalat\w*) you\b",
    re.IGNORECASE,
)
FRUSTRATION = "negative_sentiment"
NEGATION_BEFORE = re.compile(r"\b(not|no|never|without|\w+n't)\s+(\w+\s+){0,2}$", re.IGNORECASE)


def sentences_of(text: str) -> list[str]:
    """The message split into sentences."""
    return [s.strip() for s in SENTENCE.split(text) if s and s.strip()]


def candidate_requests(sentences: list[str]) -> list[str]:
    """Sentences that could be the customer asking for a person (no refusal, no offer)."""
    return [s for s in sentences if not NOT_ASKING.search(s)]


def asks_for_human(sentences: list[str], extra_phrases: list[str]) -> bool:
    """A sentence asks for a person in so many words."""
    for sentence in candidate_requests(sentences):
        lowered = sentence.lower()
        if any(phrase.lower() in lowered for phrase in extra_phrases):
            return True
        if DIRECT.search(sentence) or REQUEST.search(sentence):
            return True
    return False


def topic_of(text: str, topics: dict[str, list[str]]) -> list[str]:
    """Sensitive topics mentioned (whole-word keywords, not right after a negation)."""
    lowered = text.lower()
    found = []
    for topic, keywords in topics.items():
        for keyword in keywords:
            pattern = rf"\b{re.escape(keyword.lower())}\b"
            if any(
                not NEGATION_BEFORE.search(lowered[max(0, m.start() - 40) : m.start()])
                for m in re.finditer(pattern, lowered)
            ):
                found.append(topic)
                break
    return found


@dataclass(frozen=True)
class Streaks:
    """Consecutive turns, this one included, the knowledge base could not support and the
    customer sounded frustrated."""

    low_confidence: int = 0
    frustrated: int = 0


@dataclass(frozen=True)
class Findings:
    """The reasons that hand the conversation off, what was noticed without doing so, and how
    sure the detectors are."""

    reasons: list[str]
    signals: list[str]
    confidence: float


class Detectors:
    """Runs every enabled rule of a policy."""

    def __init__(self, classifier: HumanRequestClassifier | None = None) -> None:
        self._sentiment = SentimentIntensityAnalyzer()
        self._classifier = classifier

    async def assess(
        self, policy: EscalationPolicy, *, text: str, turn_index: int, streaks: Streaks
    ) -> Findings:
        """Every rule: what the message says, then where the conversation stands."""
        return self.decide(
            policy, await self.read_message(policy, text), turn_index=turn_index, streaks=streaks
        )

    async def read_message(
        self, policy: EscalationPolicy, text: str, embedding: Embedding | None = None
    ) -> dict[str, float]:
        """Rules on the text: a request for a person, frustration, sensitive topics;
        `embedding` is the text's, when the sender made one."""
        scores: dict[str, float] = {}
        rule = policy.human_request
        if rule.enabled:
            sentences = sentences_of(text)
            if asks_for_human(sentences, rule.extra_phrases):
                scores["human_request"] = 0.95
            elif (
                rule.classifier
                and self._classifier is not None
                and len(sentences) <= rule.classifier_max_sentences
            ):
                candidates = candidate_requests(sentences)
                whole = embedding if candidates == [text.strip()] else None
                score = await self._classifier.score(candidates, whole)
                if score >= rule.classifier_threshold:
                    scores["human_request"] = round(score, 3)
        if policy.sentiment.enabled:
            compound = self._sentiment.polarity_scores(text)["compound"]
            if compound <= policy.sentiment.threshold:
                scores[FRUSTRATION] = min(1.0, abs(compound))
        if policy.sensitive_topics.enabled:
            for topic in topic_of(text, policy.sensitive_topics.topics):
                scores[topic] = 0.9
        return scores

    def decide(
        self,
        policy: EscalationPolicy,
        scores: dict[str, float],
        *,
        turn_index: int,
        streaks: Streaks,
    ) -> Findings:
        """Which of the message's findings hand off, plus the rules on the conversation:
        unsupported answers in a row, frustration that persists, too many turns."""
        handing_off = {"human_request", *policy.sensitive_topics.hand_off}
        if streaks.frustrated >= policy.sentiment.consecutive:
            handing_off.add(FRUSTRATION)
        reasons = {code: score for code, score in scores.items() if code in handing_off}
        low = policy.low_confidence
        if low.enabled and streaks.low_confidence >= low.consecutive:
            reasons["low_confidence"] = 0.7
        if policy.turn_limit.enabled and turn_index > policy.turn_limit.max_turns:
            reasons["turn_limit"] = 0.6
        return Findings(
            reasons=list(reasons),
            signals=[code for code in scores if code not in reasons],
            confidence=max(reasons.values(), default=0.0),
        )
