"""Back-pressure of one gateway instance: how many turns it lets in and when it says to retry."""

from prometheus_client import CollectorRegistry

from gateway.websocket.admission import TurnAdmission


def admission(limit: int) -> TurnAdmission:
    return TurnAdmission(limit, deadline=30, metrics=CollectorRegistry())


def test_a_turn_that_ends_makes_room_for_the_next() -> None:
    turns = admission(2)
    for turn in ("t1", "t2"):
        assert turns.refusal("s") is None
        turns.started(turn)
    assert turns.refusal("s") is not None
    turns.saw({"type": "answer_completed", "turn_id": "t1"})
    assert turns.refusal("s") is None
    turns.started("t3")
    turns.dropped("t3")  # its message could not be published
    assert turns.refusal("s") is None


def test_a_turn_timeout_ends_a_turn_and_other_frames_do_not() -> None:
    turns = admission(1)
    turns.started("t1")
    turns.saw({"type": "answer_delta", "turn_id": "t1"})
    turns.saw({"type": "error", "code": "busy", "turn_id": "t1"})
    assert turns.refusal("s") is not None
    turns.saw({"type": "error", "code": "turn_timeout", "turn_id": "t1"})
    assert turns.refusal("s") is None


def test_the_more_sessions_wait_the_later_each_is_told_to_come_back() -> None:
    turns = admission(4)
    for turn in range(4):
        turns.started(f"t{turn}")
    first = turns.refusal("s0")
    waits = [turns.refusal(f"s{number}") for number in range(1, 400)]
    assert first is not None and first <= 0.75  # nobody ahead: about one turn
    assert all(wait is not None for wait in waits)
    late = [wait for wait in waits[-50:] if wait is not None]
    assert min(late) > 10 * 0.5 * 0.5  # 350+ sessions ahead, 4 at a time
    assert max(late) <= 30  # never past the turn deadline
