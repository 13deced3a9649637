"""Subscribers of the gateway: doorbells for frames of sessions whose sockets are here."""

from contracts import (
    AgentMessageSent,
    AnswerCompleted,
    AnswerDelta,
    DocumentDeleted,
    DocumentIngested,
    DocumentIngestFailed,
    Event,
    FramesAppended,
)
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

    async def take_inline(event: Event) -> None:
        assert isinstance(event, FramesAppended)
        if event.frames and event.session_id:
            stream = gateway.frames.stream
            appended = await stream.append_encoded(event.tenant_id, event.session_id, event.frames)
            if appended is not None:
                gateway.hub.notify(event.session_id, appended.seq)
        else:
            await ring(event)

    for event_cls in DOORBELLS:
        instance.on(event_cls, take_inline if event_cls is FramesAppended else ring)


def register_projections(gateway: Gateway) -> None:
    """Keep the knowledge-base status table in step with the retrieval service."""
    runtime = gateway.runtime

    @runtime.consumer(DocumentIngested)
    async def on_ingested(event: DocumentIngested) -> None:
        await gateway.documents.apply(event)

    @runtime.consumer(DocumentIngestFailed)
    async def on_failed(event: DocumentIngestFailed) -> None:
        await gateway.documents.apply(event)

    @runtime.consumer(DocumentDeleted)
    async def on_deleted(event: DocumentDeleted) -> None:
        await gateway.documents.apply(event)
