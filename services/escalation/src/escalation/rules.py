"""Detectors: each looks at the customer's message (and the turn) and may give a reason code."""

import re
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from escalation.policy import EscalationPolicy

SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
REQUEST = re.compile(
    r"\b(speak|talk|chat|transfer|connect|put|get|give|want|need|let)\b.{0,40}?"
    r"\b(human|person|people|agent|representative|rep|someone|somebody|supervisor|manager|operator|staff)\b",
    re.IGNORECASE,
)
DIRECT = re.compile(
    r"\b(real|live|actual) (person|human|agent)\b|\bhuman (agent|being|please)\b|"
    r"\btransfer me\b|\bescalate (this|me|it)\b|\bnot (a|another) (bot|robot|machine)\b|"
    r"\byou'?re (just )?a bot\b|^\s*(human|agent|representative|operator)\s*[!.]*\s*$",
    re.IGNORECASE,
)
NEGATED = re.compile(
    r"\b(don'?t|do not|never|no need to|without|not)\b[^.]{0,25}?"
    r"\b(transfer|human|agent|person|escalate)",
    re.IGNORECASE,
)


def asks_for_human(text: str, extra_phrases: list[str]) -> bool:
    """A sentence asks for a person (and does not say the opposite)."""
    lowered = text.lower()
    if any(phrase.lower() in lowered for phrase in extra_phrases):
        return True
    for sentence in SENTENCE.split(text):
        if NEGATED.search(sentence):
            continue
        if DIRECT.search(sentence) or REQUEST.search(sentence):
            return True
    return False


def topic_of(text: str, topics: dict[str, list[str]]) -> list[str]:
    """Sensitive topics mentioned (whole-word keyword matches)."""
    lowered = text.lower()
    return [
        topic
        for topic, keywords in topics.items()
        if any(re.search(rf"\b{re.escape(keyword.lower())}\b", lowered) for keyword in keywords)
    ]


@dataclass(frozen=True)
class Findings:
    """The reasons that fired and how sure the detectors are."""

    reasons: list[str]
    confidence: float


class Detectors:
    """Runs every enabled rule of a policy."""

    def __init__(self) -> None:
        self._sentiment = SentimentIntensityAnalyzer()

    def assess(
        self,
        policy: EscalationPolicy,
        *,
        text: str,
        turn_index: int,
        low_confidence_streak: int,
    ) -> Findings:
        """Reason codes in a stable order, with a confidence for the decision."""
        reasons: dict[str, float] = {}
        if policy.human_request.enabled and asks_for_human(
            text, policy.human_request.extra_phrases
        ):
            reasons["human_request"] = 0.95
        if policy.sentiment.enabled:
            compound = self._sentiment.polarity_scores(text)["compound"]
            if compound <= policy.sentiment.threshold:
                reasons["negative_sentiment"] = min(1.0, abs(compound))
        if policy.sensitive_topics.enabled:
            for topic in topic_of(text, policy.sensitive_topics.topics):
                reasons[topic] = 0.9
        rule = policy.low_confidence
        if rule.enabled and low_confidence_streak >= rule.consecutive:
            reasons["low_confidence"] = 0.7
        if policy.turn_limit.enabled and turn_index > policy.turn_limit.max_turns:
            reasons["turn_limit"] = 0.6
        return Findings(list(reasons), max(reasons.values(), default=0.0))
