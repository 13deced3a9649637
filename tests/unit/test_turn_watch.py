"""The turn deadline's clock: it starts when the gateway first took the message (a reconnect
does not restart it), every frame of the turn winds it back, and an answer stops it."""

import time

from gateway.websocket.turn_watch import TurnWatch


async def nothing(*_: object) -> None:
    return None


def watch(deadline: float = 30.0) -> TurnWatch:
    return TurnWatch(deadline, nothing, nothing)


def test_a_turn_silent_past_the_deadline_is_overdue_once() -> None:
    turns = watch()
    turns.saw({"type": "ack", "turn_id": "t1", "client_message_id": "m1"})
    now = time.monotonic()
    assert turns.overdue(now + 29) == []
    assert turns.overdue(now + 31) == [("t1", "m1")]
    assert turns.overdue(now + 62) == []


def test_a_re_sent_message_keeps_the_first_time() -> None:
    turns = watch()
    taken = time.time() - 25
    turns.saw({"type": "ack", "turn_id": "t1", "client_message_id": "m1", "received_at": taken})
    assert turns.overdue(time.monotonic() + 6) == [("t1", "m1")]


def test_frames_of_the_turn_are_progress_and_its_answer_ends_the_watch() -> None:
    turns = watch()
    turns.saw({"type": "ack", "turn_id": "t1", "received_at": time.time() - 29})
    turns.saw({"type": "typing", "turn_id": "t1", "state": "on"})
    assert turns.overdue(time.monotonic() + 5) == []
    assert turns.quiet(time.monotonic() + 3)
    turns.saw({"type": "answer_completed", "turn_id": "t1"})
    assert not turns.quiet(time.monotonic() + 3)
    assert turns.overdue(time.monotonic() + 60) == []


def test_a_message_for_the_agent_ends_the_watch_when_delivered() -> None:
    turns = watch()
    turns.saw({"type": "ack", "turn_id": "t2"})
    turns.saw({"type": "delivered", "turn_id": "t2"})
    assert turns.overdue(time.monotonic() + 60) == []
