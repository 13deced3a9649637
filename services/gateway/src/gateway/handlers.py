"""Subscribers of the gateway: doorbells for frames of sessions whose sockets are here."""

from contracts import AgentMessageSent, AnswerCompleted, AnswerDelta, Event, FramesAppended
from gateway.service import Gateway

DOORBELLS = (AnswerDelta, AnswerCompleted, FramesAppended, AgentMessageSent)


def register(gateway: Gateway) -> None:
    """Ring the local sockets of a session when frames for it were appended."""
    instance = gateway.runtime.instance
    assert instance is not None

    async def ring(event: Event) -> None:
        seq = getattr(event, "seq", 0)
        if event.session_id and seq:
            gateway.hub.notify(event.session_id, seq)

    for event_cls in DOORBELLS:
        instance.on(event_cls, ring)
