"""WebSocket frames between a client and the gateway (see docs/websocket-protocol.md)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from contracts.chat import Source


class ClientFrame(BaseModel):
    """Base of frames a client sends: unknown fields are refused so typos surface early."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class UserMessage(ClientFrame):
    """The customer says something."""

    type: Literal["user_message"]
    client_message_id: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=8000)
    attachments: list[str] = Field(default_factory=list, max_length=10)


class Resume(ClientFrame):
    """Send me every frame after `last_seq`, then live frames."""

    type: Literal["resume"]
    last_seq: int = Field(ge=0)


class Ping(ClientFrame):
    """Heartbeat; answered with `pong`."""

    type: Literal["ping"]


class Feedback(ClientFrame):
    """The customer rates one of the assistant's answers in this session, once."""

    type: Literal["feedback"]
    turn_id: str = Field(min_length=1, max_length=100)
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=1000)


class Csat(ClientFrame):
    """After a person resolved the conversation's ticket: how satisfied the customer is, once."""

    type: Literal["csat"]
    ticket_id: str = Field(min_length=1, max_length=100)
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


ClientFrameType = UserMessage | Resume | Ping | Feedback | Csat
ClientFrameUnion = Annotated[ClientFrameType, Field(discriminator="type")]
client_frame_adapter: TypeAdapter[ClientFrameType] = TypeAdapter(ClientFrameUnion)
CLIENT_FRAME_TYPES = frozenset({"user_message", "resume", "ping", "feedback", "csat"})


class ServerFrame(BaseModel):
    """Base of frames the server sends; `seq` orders them within the session."""

    model_config = ConfigDict(frozen=True)

    seq: int = 0


class Ack(ServerFrame):
    """The message was accepted and a turn started."""

    type: Literal["ack"] = "ack"
    client_message_id: str
    turn_id: str
    received_at: float | None = Field(
        default=None, description="When the gateway first took the message (epoch seconds)."
    )


class Typing(ServerFrame):
    """The assistant starts or stops composing."""

    type: Literal["typing"] = "typing"
    turn_id: str
    state: Literal["on", "off"]


class AnswerDeltaFrame(ServerFrame):
    """A piece of the answer being streamed."""

    type: Literal["answer_delta"] = "answer_delta"
    turn_id: str
    text: str


class AnswerCompletedFrame(ServerFrame):
    """The whole answer with its sources (their snippets; passages stay server-side)."""

    type: Literal["answer_completed"] = "answer_completed"
    turn_id: str
    client_message_id: str | None = Field(
        default=None, description="The customer message this answers."
    )
    text: str
    sources: list[Source] = Field(default_factory=list)
    offers_human: bool = False
    escalated: bool = False
    ticket_id: str | None = None


class Escalated(ServerFrame):
    """The conversation is being handed to a human."""

    type: Literal["escalated"] = "escalated"
    ticket_id: str
    reason: str
    message: str
    state: Literal["waiting", "assigned", "resolved"] = "waiting"


class AgentMessage(ServerFrame):
    """A human agent's reply."""

    type: Literal["agent_message"] = "agent_message"
    ticket_id: str
    agent_id: str
    text: str


class Delivered(ServerFrame):
    """The message reached the human agent holding the conversation (no assistant answer)."""

    type: Literal["delivered"] = "delivered"
    turn_id: str
    client_message_id: str | None = None
    ticket_id: str | None = None


ErrorCode = Literal[
    "bad_json",
    "unknown_type",
    "invalid_frame",
    "frame_too_large",
    "rate_limited",
    "busy",
    "unauthorized",
    "unavailable",
    "internal",
    "turn_timeout",
    "unknown_turn",
    "unknown_ticket",
    "already_rated",
]


class Error(ServerFrame):
    """Something the client sent could not be handled; the connection stays open."""

    type: Literal["error"] = "error"
    code: ErrorCode
    detail: str
    client_message_id: str | None = None
    turn_id: str | None = None
    ticket_id: str | None = None
    retry_after: float | None = None


class Rated(ServerFrame):
    """The customer's rating of an answer was recorded."""

    type: Literal["rated"] = "rated"
    turn_id: str
    rating: Literal["up", "down"]


class CsatRecorded(ServerFrame):
    """The customer's satisfaction score for a resolved ticket was recorded."""

    type: Literal["csat_recorded"] = "csat_recorded"
    ticket_id: str
    score: int


class Pong(ServerFrame):
    """Heartbeat reply; `seq` is the session's latest frame, so a client can spot a gap."""

    type: Literal["pong"] = "pong"


ServerFrameType = (
    Ack
    | Typing
    | AnswerDeltaFrame
    | AnswerCompletedFrame
    | Escalated
    | AgentMessage
    | Delivered
    | Rated
    | CsatRecorded
    | Error
    | Pong
)
ServerFrameUnion = Annotated[ServerFrameType, Field(discriminator="type")]
server_frame_adapter: TypeAdapter[ServerFrameType] = TypeAdapter(ServerFrameUnion)
