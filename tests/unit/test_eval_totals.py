"""The figures of `support eval run`, from the outcomes of its questions."""

from support_cli.evaluation import Outcome, totals


def test_degraded_turns_hand_offs_and_unanswered_questions_are_counted_apart() -> None:
    outcomes = [
        Outcome("a", "q", cited=["d1"], cited_recall=1.0, degraded=[], expects_human=False),
        Outcome("b", "q", cited=[], degraded=["retrieval"], expects_human=False),
        Outcome("c", "q", escalated=True, degraded=[], expects_human=True),
        Outcome("d", "q", escalated=True, degraded=None, expects_human=False),
        Outcome("e", "q", error="TimeoutError: no answer within 60s", degraded=["memory"]),
    ]
    figures = totals(outcomes)
    assert (figures["questions"], figures["errors"], figures["degraded_turns"]) == (5, 1, 1)
    assert figures["handoffs"] == {"true_positive": 1, "false_positive": 1, "false_negative": 0}
    assert (figures["handoff_precision"], figures["handoff_recall"]) == (0.5, 1.0)
    assert figures["dont_know_share"] == 0.25
    assert figures["cited_recall_customer_facing"] == 1.0
