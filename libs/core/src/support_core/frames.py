"""Emitting client frames: append to the session stream, then ring the holding gateways."""

import asyncio
import logging
from collections.abc import Callable

from aio_pika.exceptions import DeliveryError
from pydantic import BaseModel

from contracts import Event, FramesAppended
from support_core.messaging.publisher import EventPublisher
from support_core.session_stream import Appended, SessionStream, encode

LocalNotify = Callable[[str, int], None]
log = logging.getLogger(__name__)


class FrameEmitter:
    """Frames are durable in Redis first; the AMQP message to a gateway is only a doorbell.

    A gateway passes its own route and hub, so frames for its own sockets skip the broker.
    """

    def __init__(
        self,
        stream: SessionStream,
        publisher: EventPublisher,
        *,
        local_route: str | None = None,
        local_notify: LocalNotify | None = None,
    ) -> None:
        self.stream = stream
        self._publisher = publisher
        self._local_route = local_route
        self._local_notify = local_notify

    async def emit(
        self, tenant_id: str, session_id: str, frame: BaseModel, doorbell: Callable[[int], Event]
    ) -> int:
        """Store the frame and ring every gateway holding the session; return its seq."""
        appended = await self.stream.append(tenant_id, session_id, frame)
        assert appended is not None, "only socket holders emit without a fallback route"
        await self.ring(tenant_id, session_id, appended, doorbell(appended.seq))
        return appended.seq

    async def deliver_inline(
        self, tenant_id: str, session_id: str, frames: list[BaseModel], route: str
    ) -> None:
        """Redis is unreachable: hand the frames to the gateway instance holding the socket."""
        event = FramesAppended(
            tenant_id=tenant_id, session_id=session_id, seq=0, frames=[encode(f) for f in frames]
        )
        try:
            await self._publisher.send_to(route, event)
        except DeliveryError:
            log.warning(
                "gateway %s is gone; frames for %s dropped during the outage", route, session_id
            )

    async def ring(
        self, tenant_id: str, session_id: str, appended: Appended, doorbell: Event
    ) -> None:
        """Tell the instances holding the session that frames up to `appended.seq` exist.

        This instance's own sockets are told whether or not Redis lists them: a socket that
        reconnected here may have been listed a moment after its predecessor was unlisted."""
        if self._local_notify is not None:
            self._local_notify(session_id, appended.seq)
        for route in appended.instances:
            if route == self._local_route:
                continue
            try:
                await self._publisher.send_to(route, doorbell)
            except DeliveryError:
                # That instance is gone; the client will resume from the stream elsewhere.
                await self.stream.detach(tenant_id, session_id, route)


class ThrottledFrames:
    """One producer's frames for one session, written and rung at most every `linger` seconds.

    Frames wait in memory for at most `linger`, the first one too (an answer ready within it
    goes out in one write and one doorbell, typing frames included); each flush appends them
    in one Redis call and rings once, since the gateway reads every frame up to the rung
    `seq`. A final frame flushes at once. Flushes are serialised, so frames keep their order.
    """

    def __init__(
        self,
        emitter: FrameEmitter,
        tenant_id: str,
        session_id: str,
        *,
        fallback_route: str,
        linger: float = 0.02,
    ) -> None:
        self._emitter = emitter
        self._tenant_id = tenant_id
        self._session_id = session_id
        self._fallback_route = fallback_route
        self._linger = linger
        self._last_flush = asyncio.get_running_loop().time()  # the first frame lingers too
        self._buffer: list[BaseModel] = []
        self._doorbell: Callable[[int], Event] | None = None
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None

    async def send(self, frame: BaseModel, doorbell: Callable[[int], Event]) -> None:
        """Queue the frame; flush now if due, else within `linger`."""
        self._buffer.append(frame)
        self._doorbell = doorbell
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_flush >= self._linger:
            await self.flush()
        elif self._timer is None:
            self._timer = loop.call_at(self._last_flush + self._linger, self._flush_soon)

    async def finish(self, frame: BaseModel, doorbell: Callable[[int], Event]) -> int:
        """Queue the last frame and flush everything now; return its `seq`."""
        self._buffer.append(frame)
        self._doorbell = doorbell
        return await self.flush()

    async def flush(self) -> int:
        """Append the buffered frames and ring; return the last `seq` written (0 if none or
        delivered inline)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._lock:
            frames, self._buffer = self._buffer, []
            self._last_flush = asyncio.get_running_loop().time()
            if not frames or self._doorbell is None:
                return 0
            try:
                appended = await self._emitter.stream.append(
                    self._tenant_id, self._session_id, *frames
                )
            except Exception:
                self._buffer[:0] = frames  # kept for the next flush
                raise
            if appended is None:
                await self._emitter.deliver_inline(
                    self._tenant_id, self._session_id, frames, self._fallback_route
                )
                return 0
            doorbell = self._doorbell(appended.seq)
            await self._emitter.ring(self._tenant_id, self._session_id, appended, doorbell)
            return appended.seq

    def _flush_soon(self) -> None:
        self._timer = None
        asyncio.ensure_future(self.flush()).add_done_callback(_log_failure)


def _log_failure(task: asyncio.Future[int]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("deferred frame flush failed; the final flush retries", exc_info=exc)
