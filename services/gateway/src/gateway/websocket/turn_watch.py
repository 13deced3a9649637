"""No client waits forever: a turn that shows no progress for a while gets an `error` frame.

A connection watches the turns it has acknowledged, from when the gateway first took the
message (`received_at` of the `ack`; a re-sent message is acknowledged again with the first
time, so reconnecting does not restart the clock). Every later frame of a turn is progress; its
`answer_completed` (or `delivered`, for a message an agent will answer) ends the watch. A turn
silent for `deadline` seconds gets one `error` frame with code `turn_timeout` and its turn id,
written to the session's stream (so a client that reconnects sees it too) once per turn, however
many sockets watch it. The turn is not abandoned: if it finishes later its answer still follows,
once; re-sending the same `client_message_id` never starts a second turn.

While a turn is quiet for more than `QUIET_SECONDS`, the connection also looks at the stream
itself once a second: a frame whose doorbell was lost (the broker restarting between the
producer's append and its ring) reaches the client without waiting for a reconnect.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

ENDS_TURN = frozenset({"answer_completed", "delivered"})
QUIET_SECONDS = 2.0


def ends_turn(frame: dict[str, Any]) -> bool:
    """Whether the frame is the last its turn sends: the answer, or the deadline passing."""
    kind = frame.get("type")
    return kind in ENDS_TURN or (kind == "error" and frame.get("code") == "turn_timeout")


class TurnWatch:
    """The turns one connection waits on, and when each last made progress."""

    def __init__(
        self,
        deadline: float,
        on_timeout: Callable[[str, str | None], Awaitable[None]],
        on_quiet: Callable[[], Awaitable[None]],
    ) -> None:
        self._deadline = deadline
        self._on_timeout = on_timeout
        self._on_quiet = on_quiet
        self._waiting: dict[str, tuple[float, str | None]] = {}

    def saw(self, frame: dict[str, Any]) -> None:
        """A frame went out to the client."""
        turn_id = frame.get("turn_id")
        if not isinstance(turn_id, str):
            return
        kind = frame.get("type")
        if ends_turn(frame):
            self._waiting.pop(turn_id, None)
        elif kind == "ack" and turn_id not in self._waiting:
            received = frame.get("received_at")
            age = max(0.0, time.time() - received) if isinstance(received, float | int) else 0.0
            self._waiting[turn_id] = (time.monotonic() - age, frame.get("client_message_id"))
        elif kind != "ack" and turn_id in self._waiting:
            self._waiting[turn_id] = (time.monotonic(), self._waiting[turn_id][1])

    def overdue(self, now: float) -> list[tuple[str, str | None]]:
        """Turns silent for longer than the deadline (no longer watched afterwards)."""
        late = [
            (turn_id, message_id)
            for turn_id, (since, message_id) in self._waiting.items()
            if now - since >= self._deadline
        ]
        for turn_id, _ in late:
            del self._waiting[turn_id]
        return late

    def quiet(self, now: float) -> bool:
        """Whether a watched turn has shown nothing for a while."""
        return any(now - since >= QUIET_SECONDS for since, _ in self._waiting.values())

    async def run(self) -> None:
        """Look again at quiet turns and report overdue ones, until cancelled."""
        while True:
            await asyncio.sleep(min(1.0, self._deadline / 4))
            now = time.monotonic()
            if self.quiet(now):
                await self._on_quiet()
            for turn_id, message_id in self.overdue(now):
                await self._on_timeout(turn_id, message_id)
