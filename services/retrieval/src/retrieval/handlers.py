"""Subscribers of the retrieval service."""

from contracts import DocumentDeleteRequested, DocumentIngestRequested, RetrievalRequested
from retrieval.service import KnowledgeBase
from support_core.runtime import ServiceRuntime
from support_core.started import Started


def register(
    runtime: ServiceRuntime, knowledge_base: Started[KnowledgeBase], *, ingest_prefetch: int
) -> None:
    """Attach the retrieval consumers to the broker."""

    @runtime.consumer(RetrievalRequested)
    async def on_search(request: RetrievalRequested) -> None:
        await runtime.publisher.reply(request, await knowledge_base.get().search(request))

    @runtime.consumer(DocumentIngestRequested, prefetch=ingest_prefetch)
    async def on_ingest(request: DocumentIngestRequested) -> None:
        await knowledge_base.get().ingest(request)

    @runtime.consumer(DocumentDeleteRequested)
    async def on_delete(request: DocumentDeleteRequested) -> None:
        await knowledge_base.get().delete(request)
