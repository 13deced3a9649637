"""The WebSocket protocol: validate each client frame and act on it (docs/websocket-protocol.md)."""

from uuid import NAMESPACE_URL, uuid4, uuid5

import orjson
import structlog
from opentelemetry.trace import SpanKind, Tracer
from pydantic import ValidationError

from contracts import ChatMessageReceived, FramesAppended
from contracts.frames import (
    CLIENT_FRAME_TYPES,
    Ack,
    Csat,
    CsatRecorded,
    Error,
    ErrorCode,
    Feedback,
    Ping,
    Pong,
    Rated,
    Resume,
    UserMessage,
    client_frame_adapter,
)
from gateway.agent_feed import AgentFeed
from gateway.feedback import AnswerRatings
from gateway.ratelimit import RateLimit
from gateway.sessions import ChatSession, SessionStore
from gateway.websocket.admission import TurnAdmission
from gateway.websocket.connections import ClientConnection
from support_core.frames import FrameEmitter
from support_core.messaging.publisher import EventPublisher

log = structlog.get_logger(__name__)
RETRY_UNAVAILABLE_SECONDS = 1.0


class ProtocolHandler:
    """Handles the frames of one connection."""

    def __init__(
        self,
        connection: ClientConnection,
        session: ChatSession,
        *,
        sessions: SessionStore,
        frames: FrameEmitter,
        ratings: AnswerRatings,
        feed: AgentFeed,
        message_limit: RateLimit,
        admission: TurnAdmission,
        publisher: EventPublisher,
        instance_route: str,
        max_frame_bytes: int,
        tracer: Tracer,
    ) -> None:
        self._connection = connection
        self._session = session
        self._sessions = sessions
        self._frames = frames
        self._ratings = ratings
        self._feed = feed
        self._message_limit = message_limit
        self._admission = admission
        self._publisher = publisher
        self._instance_route = instance_route
        self._max_frame_bytes = max_frame_bytes
        self._tracer = tracer

    async def handle(self, raw: str | bytes) -> None:
        """Act on one raw client frame; anything wrong becomes an `error` frame."""
        if len(raw) > self._max_frame_bytes:
            await self.error(
                "frame_too_large", f"frames are limited to {self._max_frame_bytes} bytes"
            )
            return
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            await self.error("bad_json", "the frame is not valid JSON")
            return
        kind = data.get("type") if isinstance(data, dict) else None
        if not isinstance(kind, str) or kind not in CLIENT_FRAME_TYPES:
            shown = kind if isinstance(kind, str | None) else type(kind).__name__
            await self.error("unknown_type", f"unknown frame type {shown!r}")
            return
        try:
            frame = client_frame_adapter.validate_python(data)
        except ValidationError as exc:
            detail = "; ".join(
                f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors()
            )
            await self.error("invalid_frame", detail, data.get("client_message_id"))
            return
        if isinstance(frame, UserMessage):
            with self._tracer.start_as_current_span(
                "ws user_message",
                kind=SpanKind.SERVER,
                attributes={
                    "tenant.id": self._session.tenant_id,
                    "session.id": self._session.session_id,
                },
            ):
                await self.user_message(frame)
        elif isinstance(frame, Resume):
            self._connection.resume_from(frame.last_seq)
        elif isinstance(frame, Feedback):
            await self.feedback(frame)
        elif isinstance(frame, Csat):
            await self.csat(frame)
        elif isinstance(frame, Ping):
            session = self._session
            seq = await self._frames.stream.latest_seq(session.tenant_id, session.session_id)
            self._connection.send_direct(Pong(seq=seq).model_dump())

    async def user_message(self, frame: UserMessage) -> None:
        """Acknowledge the message and start a turn; a retried client message id is re-acked (and
        published again only if the gateway that took it never published it)."""
        session = self._session
        verdict = await self._message_limit.hit("messages", session.tenant_id, session.session_id)
        if not verdict.allowed:
            await self.error(
                "rate_limited",
                f"too many messages: the limit is {self._message_limit.item} per session",
                frame.client_message_id,
                retry_after=round(verdict.retry_after, 3),
            )
            return
        retry_after = self._admission.refusal(session.session_id)
        # A session sending too fast is told so first. Only a new message is refused as busy: one
        # already taken is some gateway's to finish. The refusal goes out of the stream.
        if retry_after is not None and not await self._sessions.taken(
            session, frame.client_message_id
        ):
            busy = Error(
                code="busy",
                detail="the assistant is answering as many messages as it can; send it again",
                client_message_id=frame.client_message_id,
                retry_after=retry_after,
            )
            self._connection.send_direct(busy.model_dump())
            return
        claim = await self._sessions.claim_client_message(
            session, frame.client_message_id, str(uuid4())
        )
        turn_id = claim.turn_id
        ack = Ack(
            client_message_id=frame.client_message_id,
            turn_id=turn_id,
            received_at=claim.received_at,
        )
        if not claim.publish:
            await self._emit(ack)
            return
        event = ChatMessageReceived(
            # One event id per turn: a message published again by a gateway that took over a
            # claim is a duplicate to the orchestrator's inbox if the first one went out too.
            event_id=uuid5(NAMESPACE_URL, f"chat.message.received:{turn_id}"),
            tenant_id=session.tenant_id,
            session_id=session.session_id,
            correlation_id=turn_id,
            message_id=frame.client_message_id,
            text=frame.text,
            customer_id=session.customer_id,
            gateway_instance=self._instance_route,
            session_seq=await self._sessions.next_message_seq(session),
        )
        self._admission.started(turn_id)  # before the ack: the client may send again at once
        await self._emit(ack)
        try:
            await self._publisher.publish(event)
        except Exception:
            log.exception("could not publish a customer message")
            self._admission.dropped(turn_id)
            await self._sessions.release_client_message(session, frame.client_message_id)
            await self.error(
                "unavailable",
                "the message could not be delivered; send it again",
                frame.client_message_id,
                retry_after=RETRY_UNAVAILABLE_SECONDS,
            )
            return
        await self._sessions.client_message_published(session, frame.client_message_id, claim)
        await self._feed.tell(
            session.tenant_id, type="message", session_id=session.session_id, role="customer"
        )

    async def feedback(self, frame: Feedback) -> None:
        """Record a rating of an answer this session received, once per turn.

        A turn of another session is answered as unknown: a session learns nothing of others."""
        session = self._session
        answered = await self._frames.stream.has_frame(
            session.tenant_id, session.session_id, "answer_completed", turn_id=frame.turn_id
        )
        if not answered:
            await self.error(
                "unknown_turn", "no answer of this session has that turn id", turn_id=frame.turn_id
            )
        elif not await self._ratings.rate(session, frame):
            await self.error(
                "already_rated", "this answer was already rated", turn_id=frame.turn_id
            )
        else:
            await self._emit(Rated(turn_id=frame.turn_id, rating=frame.rating))

    async def csat(self, frame: Csat) -> None:
        """Record the customer's 1–5 score of a hand-off a person resolved in this session."""
        session = self._session
        resolved = await self._frames.stream.has_frame(
            session.tenant_id,
            session.session_id,
            "escalated",
            ticket_id=frame.ticket_id,
            state="resolved",
        )
        if not resolved:
            await self.error(
                "unknown_ticket",
                "no resolved hand-off of this session has that ticket id",
                ticket_id=frame.ticket_id,
            )
        elif not await self._ratings.score_help(session, frame):
            await self.error(
                "already_rated", "this conversation was already scored", ticket_id=frame.ticket_id
            )
        else:
            await self._emit(CsatRecorded(ticket_id=frame.ticket_id, score=frame.score))

    async def error(
        self,
        code: ErrorCode,
        detail: str,
        client_message_id: object = None,
        *,
        retry_after: float | None = None,
        turn_id: str | None = None,
        ticket_id: str | None = None,
    ) -> None:
        """Send an `error` frame; the connection stays open."""
        message_id = client_message_id if isinstance(client_message_id, str) else None
        await self._emit(
            Error(
                code=code,
                detail=detail,
                client_message_id=message_id,
                retry_after=retry_after,
                turn_id=turn_id,
                ticket_id=ticket_id,
            )
        )

    async def _emit(self, frame: Ack | Rated | CsatRecorded | Error) -> None:
        session = self._session
        await self._frames.emit(
            session.tenant_id,
            session.session_id,
            frame,
            lambda seq: FramesAppended(
                tenant_id=session.tenant_id, session_id=session.session_id, seq=seq
            ),
        )
