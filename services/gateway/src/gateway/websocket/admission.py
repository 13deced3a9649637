"""Back-pressure: a gateway instance starts at most `limit` turns at a time.

A turn is in flight from when this instance takes its message until a connection of this
instance sends its `answer_completed` (or `delivered`, or its `turn_timeout` error). A turn whose
customer went away is counted until the turn deadline, as it still holds the pipeline. Past the
limit a new message gets an `error` frame `busy` with a `retry_after`: the time for the limit's
turns to make room for the sessions already told to come back, at the typical turn time, with
jitter so that they do not all come back at once. Overload is refused at the door, so the turns
let in keep their latency and never lose their memory or hand-off step to a timeout, and a
crowd of refused clients is spread out instead of retrying in a storm.
"""

import random
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge

from gateway.websocket.turn_watch import ends_turn

FIRST_GUESS_SECONDS = 0.5
SMOOTHING = 0.1


class TurnAdmission:
    """The turns this gateway instance has started and not yet seen finish."""

    def __init__(self, limit: int, deadline: float, metrics: CollectorRegistry) -> None:
        self.limit = limit
        self._deadline = deadline
        self._started: dict[str, float] = {}
        self._waiting: dict[str, float] = {}
        self._typical = FIRST_GUESS_SECONDS
        Gauge(
            "support_turns_in_flight",
            "Turns this gateway started and not yet saw finish",
            registry=metrics,
        ).set_function(lambda: len(self._started))
        self._refused = Counter(
            "support_turns_refused_busy", "Messages refused as busy", registry=metrics
        )

    def refusal(self, session_id: str) -> float | None:
        """None if the session may start a turn now, else the seconds to wait before trying
        again."""
        now = time.monotonic()
        expired = [turn for turn, at in self._started.items() if now - at >= self._deadline]
        for turn in expired:
            del self._started[turn]
        if len(self._started) < self.limit:
            self._waiting.pop(session_id, None)
            return None
        self._refused.inc()
        self._waiting = {s: until for s, until in self._waiting.items() if until > now}
        ahead = len(self._waiting) - (session_id in self._waiting)
        wait = self._typical * (1 + ahead / self.limit) * (0.5 + random.random())
        wait = min(wait, self._deadline)
        self._waiting[session_id] = now + wait + self._typical
        return round(wait, 3)

    def started(self, turn_id: str) -> None:
        """This instance is publishing the turn's message."""
        self._started.setdefault(turn_id, time.monotonic())

    def dropped(self, turn_id: str) -> None:
        """The turn's message could not be published: it holds no place."""
        self._started.pop(turn_id, None)

    def saw(self, frame: dict[str, Any]) -> None:
        """A frame went out to a client of this instance: the end of a turn frees its place."""
        turn_id = frame.get("turn_id")
        if ends_turn(frame) and isinstance(turn_id, str):
            at = self._started.pop(turn_id, None)
            if at is not None:
                took = time.monotonic() - at
                self._typical += SMOOTHING * (took - self._typical)
