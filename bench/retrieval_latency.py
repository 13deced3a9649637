"""Ingestion throughput and query latency of the retrieval service, through the broker.

    uv run python -m bench.retrieval_latency [--copies 6]

Starts the retrieval service as its own process (isolated vhost, database, Qdrant folder),
publishes `document.ingest.requested` for `copies` × the 698 tau2 documents (one tenant, so
every query searches them all), waits for every `document.ingested`, then times
`retrieval.requested` → `retrieval.completed` for the dev queries (long) and short questions,
one at a time and 8 in flight.
"""

import argparse
import asyncio
import base64
import json
import tempfile
import time
from pathlib import Path

from bench.stack import isolated_stack
from bench.stack import probe as bench_probe
from bench.stats import Summary, summarise
from contracts import (
    DocumentIngested,
    DocumentIngestRequested,
    RetrievalCompleted,
    RetrievalRequested,
)
from support_core.runtime import ServiceRuntime

TENANT = "bench"
SHORT = (
    "How do I report a lost card?",
    "What is the foreign transaction fee?",
    "Can I open a savings account online?",
    "Why was my card declined?",
    "How long does a dispute take?",
)


async def ingest(
    probe: ServiceRuntime, documents: list[dict[str, str]], copies: int
) -> tuple[int, float]:
    """Publish every copy, wait for all `document.ingested`; return chunks and seconds."""
    expected = len(documents) * copies
    started = time.perf_counter()
    for copy in range(copies):
        for document in documents:
            await probe.publisher.publish(
                DocumentIngestRequested(
                    tenant_id=TENANT,
                    document_id=f"{document['id']}-{copy}",
                    title=document["title"],
                    content_type="text/markdown",
                    content_b64=base64.b64encode(document["content"].encode()).decode(),
                )
            )
    chunks = 0
    seen = 0
    while seen < expected:
        event = await asyncio.wait_for(_ingested.get(), 900)
        chunks += event.chunk_count
        seen += 1
    return chunks, time.perf_counter() - started


_ingested: asyncio.Queue[DocumentIngested] = asyncio.Queue()


async def queries(probe: ServiceRuntime, texts: list[str], concurrency: int, label: str) -> Summary:
    """Time request → reply for each text with `concurrency` in flight."""
    semaphore = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(text: str) -> None:
        async with semaphore:
            started = time.perf_counter()
            reply = await probe.instance.request(  # type: ignore[union-attr]
                RetrievalRequested(tenant_id=TENANT, query=text, top_k=5),
                RetrievalCompleted,
                timeout=60,
            )
            latencies.append(time.perf_counter() - started)
            if reply.error or not reply.chunks:
                raise RuntimeError(f"search failed: {reply.error or 'no results'}")

    started = time.perf_counter()
    await asyncio.gather(*(one(text) for text in texts))
    return summarise(label, latencies, time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", type=Path, default=Path("../shared/datasets/tau2_banking"))
    parser.add_argument("--copies", type=int, default=6)
    args = parser.parse_args()
    documents = [json.loads(line) for line in (args.dataset / "documents.jsonl").open()]
    tasks = [json.loads(line) for line in (args.dataset / "dev_tasks.jsonl").open()]
    with tempfile.TemporaryDirectory() as qdrant:
        async with isolated_stack(
            ("retrieval",), QDRANT_PATH=qdrant, RETRIEVAL_CACHE_TTL_SECONDS="0"
        ) as (infra, _):
            probe = bench_probe(infra)

            @probe.consumer(DocumentIngested)
            async def ingested(event: DocumentIngested) -> None:
                _ingested.put_nowait(event)

            await probe.start()
            try:
                chunks, seconds = await ingest(probe, documents, args.copies)
                per_copy = seconds / args.copies
                print(
                    f"ingested {len(documents) * args.copies} documents, {chunks} chunks "
                    f"in {seconds:.0f}s: {chunks / seconds:.1f} chunks/s, "
                    f"{per_copy:.0f}s per 698 documents"
                )
                long_queries = [str(t["query"]) for t in tasks]
                short_queries = [SHORT[i % len(SHORT)] + f" ({i})" for i in range(100)]
                results = [
                    await queries(probe, short_queries, 1, "short questions, 1 in flight"),
                    await queries(probe, short_queries, 8, "short questions, 8 in flight"),
                    await queries(probe, long_queries, 1, "long dev queries, 1 in flight"),
                    await queries(probe, long_queries, 8, "long dev queries, 8 in flight"),
                ]
            finally:
                await probe.stop()
    for summary in results:
        print(summary.row())


if __name__ == "__main__":
    asyncio.run(main())
