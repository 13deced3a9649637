"""The summary a new ticket carries for the agent."""

from contracts import EscalationAssessRequested, HistoryMessage, utcnow
from escalation.summary import handoff_summary


def request(text: str, **extra: object) -> EscalationAssessRequested:
    return EscalationAssessRequested(tenant_id="t", session_id="s", text=text, **extra)


def test_without_facts_or_answers_the_summary_is_the_ask_and_the_reasons() -> None:
    summary = handoff_summary(request("Someone used my card!"), ["fraud", "negative_sentiment"])
    assert summary.splitlines() == [
        "Asked: Someone used my card!",
        "Why: a sensitive topic (fraud); the customer sounds frustrated",
    ]


def test_long_texts_are_cut_at_a_word_and_only_the_last_answer_is_quoted() -> None:
    said = [
        HistoryMessage(role="assistant", text="An old answer.", at=utcnow()),
        HistoryMessage(role="customer", text="Hm.", at=utcnow()),
        HistoryMessage(role="assistant", text="word [1] " * 100, at=utcnow()),
    ]
    summary = handoff_summary(request("please " * 200, history=said), ["low_confidence"])
    asked, answered, why = summary.splitlines()
    assert asked.endswith("please …") and len(asked) <= len("Asked: ") + 402
    assert answered.startswith("Assistant said: word word") and answered.endswith("word …")
    assert "An old answer" not in summary and "[1]" not in summary
    assert why == "Why: the knowledge base had no confident answer"
