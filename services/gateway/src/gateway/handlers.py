"""Subscribers of the gateway: doorbells for frames of sessions whose sockets are here."""

from contracts import (
    DocumentDeleted,
    DocumentIngested,
    DocumentIngestFailed,
    Event,
    FramesAppended,
)
from gateway.service import Gateway


def register(gateway: Gateway) -> None:
    """Ring the local sockets of a session when frames for it were appended (or, while Redis
    was unreachable, store the frames the doorbell carries first)."""
    instance = gateway.runtime.instance

    async def ring(event: Event) -> None:
        assert isinstance(event, FramesAppended)
        if not event.session_id:
            return
        seq = event.seq
        if event.frames:
            stream = gateway.frames.stream
            appended = await stream.append_encoded(event.tenant_id, event.session_id, event.frames)
            seq = appended.seq if appended is not None else 0
        if seq:
            gateway.hub.notify(event.session_id, seq)

    instance.on(FramesAppended, ring)


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
