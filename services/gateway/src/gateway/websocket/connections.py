"""Client sockets of this gateway instance and the writer that feeds each from its stream.

Each connection's pending work is one number (the highest `seq` it must reach) plus a few
direct frames, so a slow client costs a bounded amount of memory and never delays others:
its writer simply reads a larger batch from Redis when it catches up.
"""

import asyncio
import contextlib
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Gauge
from starlette.websockets import WebSocket

from support_core.session_stream import SessionStream

MAX_DIRECT_FRAMES = 16


class ClientConnection:
    """One socket: frames go out in `seq` order, each exactly once."""

    def __init__(
        self,
        websocket: WebSocket,
        stream: SessionStream,
        *,
        tenant_id: str,
        session_id: str,
        send_timeout: float,
    ) -> None:
        self.websocket = websocket
        self.tenant_id = tenant_id
        self.session_id = session_id
        self.cursor = 0
        self._stream = stream
        self._send_timeout = send_timeout
        self._target = 0
        self._direct: deque[dict[str, Any]] = deque(maxlen=MAX_DIRECT_FRAMES)
        self._wake = asyncio.Event()
        self.closed = asyncio.Event()
        self.observers: list[Callable[[dict[str, Any]], None]] = []

    def notify(self, seq: int) -> None:
        """Frames up to `seq` exist in the stream."""
        if seq > self._target:
            self._target = seq
            self._wake.set()

    def resume_from(self, last_seq: int) -> None:
        """The client has everything up to `last_seq`; send the rest."""
        self.cursor = last_seq
        self._target = max(self._target, last_seq + 1)
        self._wake.set()

    def send_direct(self, frame: dict[str, Any]) -> None:
        """Queue a frame that is not part of the stream (pong)."""
        self._direct.append(frame)
        self._wake.set()

    async def run_writer(self) -> None:
        """Send stream frames past the cursor and direct frames until the socket closes."""
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._direct:
                    await self._send(self._direct.popleft())
                while self.cursor < self._target:
                    frames = await self._stream.read_after(
                        self.tenant_id, self.session_id, self.cursor
                    )
                    if not frames:
                        break
                    for frame in frames:
                        await self._send(frame)
                        self.cursor = int(frame["seq"])
                        for observe in self.observers:
                            observe(frame)
        except Exception:
            # A stuck or vanished client (timeout, disconnect): drop it; it can resume elsewhere.
            with contextlib.suppress(Exception):
                await self.websocket.close(code=1011)
        finally:
            self.closed.set()

    async def _send(self, frame: dict[str, Any]) -> None:
        async with asyncio.timeout(self._send_timeout):
            await self.websocket.send_text(orjson.dumps(frame).decode())


class ConnectionHub:
    """Which sessions have sockets on this instance."""

    def __init__(self, metrics: CollectorRegistry) -> None:
        self._by_session: defaultdict[str, set[ClientConnection]] = defaultdict(set)
        Gauge(
            "support_websocket_connections", "Open WebSocket connections", registry=metrics
        ).set_function(lambda: len(self))

    def add(self, connection: ClientConnection) -> None:
        """Track a new socket."""
        self._by_session[connection.session_id].add(connection)

    def remove(self, connection: ClientConnection) -> bool:
        """Stop tracking a socket; True if it was the session's last one here."""
        sockets = self._by_session.get(connection.session_id)
        if sockets is None:
            return True
        sockets.discard(connection)
        if sockets:
            return False
        del self._by_session[connection.session_id]
        return True

    def holds(self, session_id: str) -> bool:
        """Whether a socket of the session is open here."""
        return bool(self._by_session.get(session_id))

    def sessions(self) -> list[tuple[str, str]]:
        """(tenant, session) of every socket held here."""
        return [
            (next(iter(sockets)).tenant_id, session_id)
            for session_id, sockets in self._by_session.items()
            if sockets
        ]

    def notify(self, session_id: str, seq: int) -> None:
        """Tell the session's sockets that frames up to `seq` are ready."""
        for connection in self._by_session.get(session_id, ()):
            connection.notify(seq)

    def __len__(self) -> int:
        return sum(len(sockets) for sockets in self._by_session.values())
