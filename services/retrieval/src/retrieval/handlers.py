"""Subscribers of the retrieval service."""

from contracts import DocumentDeleteRequested, DocumentIngestRequested, RetrievalRequested
from retrieval.components import RetrievalComponents
from support_core.runtime import ServiceRuntime


def register(runtime: ServiceRuntime, parts: RetrievalComponents, *, ingest_prefetch: int) -> None:
    """Attach the retrieval consumers to the broker."""

    @runtime.consumer(RetrievalRequested)
    async def on_search(request: RetrievalRequested) -> None:
        await runtime.publisher.reply(request, await parts.knowledge_base.search(request))

    @runtime.consumer(DocumentIngestRequested, prefetch=ingest_prefetch)
    async def on_ingest(request: DocumentIngestRequested) -> None:
        await parts.knowledge_base.ingest(request)

    @runtime.consumer(DocumentDeleteRequested)
    async def on_delete(request: DocumentDeleteRequested) -> None:
        await parts.knowledge_base.delete(request)
