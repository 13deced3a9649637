"""Recall@k of `required_documents` on the tau2 banking dev split, in-process and fast.

    uv run python -m bench.retrieval_eval [--dataset ../shared/datasets/tau2_banking]
                                          [--points /tmp/kb-points.pkl]

Builds the knowledge base's points with the retrieval service's own chunking and embedding
(`--points` keeps them between runs), loads them into the same in-memory ranker the service
uses, and searches every dev query with the service's `Searcher`: all audiences (as the admin
search API and `support eval run` do) and customer-facing only (as a customer's turn does,
against the customer-facing required documents), on all tasks and on the odd and even halves.
Then it composes each answer with the extractive generator from a customer's search, as a turn
does, and reports how many of the customer-facing required documents it cites (the tasks that
expect no human). The whole platform's figures, through a session and the WebSocket, come from
`support eval run` (docs/retrieval.md).
"""

import argparse
import asyncio
import json
import pickle
import statistics
import time
from pathlib import Path
from typing import Any

from qdrant_client import models

from contracts import RetrievalCompleted
from orchestrator.context import customer_facing, requests_of, staff_only
from orchestrator.generators.base import GenerationInput
from orchestrator.generators.extractive import ExtractiveGenerator
from orchestrator.settings import OrchestratorSettings
from retrieval.ingest import PointBuilder, SourceDocument
from retrieval.lexical import LexicalEncoder
from retrieval.ranking import MemoryRanker
from retrieval.search import Searcher, SearchTuning
from support_embeddings import Embedder, EmbeddingSettings

KS = (5, 10, 20)
TENANT = "eval"
CUSTOMER = frozenset({"customer"})


def load(dataset: Path) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The knowledge-base documents and the dev tasks."""
    documents = [json.loads(line) for line in (dataset / "documents.jsonl").open()]
    tasks = [json.loads(line) for line in (dataset / "dev_tasks.jsonl").open()]
    return documents, tasks


def build_points(
    documents: list[dict[str, str]], embedder: Embedder, lexical: LexicalEncoder, cache: Path | None
) -> list[models.PointStruct]:
    """Every document's points, as the retrieval service indexes them."""
    if cache and cache.exists():
        points: list[models.PointStruct] = pickle.loads(cache.read_bytes())
        return points
    builder = PointBuilder(embedder, lexical, budget=128, overlap=24)
    sources = [
        SourceDocument(TENANT, d["id"], d["title"], d["content"], audience=d["audience"])
        for d in documents
    ]
    started = time.perf_counter()
    points = [point for built in builder.build_many(sources) for point in built]
    print(
        f"indexed {len(documents)} documents as {len(points)} chunks in "
        f"{time.perf_counter() - started:.1f}s"
    )
    if cache:
        cache.write_bytes(pickle.dumps(points))
    return points


def task_query(task: dict[str, Any]) -> dict[str, Any]:
    """A task's message as a search of the eval tenant's knowledge base."""
    return {"tenant_id": TENANT, "session_id": None, "query": task["query"]}


async def recall(
    searcher: Searcher,
    tasks: list[dict[str, Any]],
    audience: dict[str, str],
    *,
    customer_only: bool,
) -> list[dict[int, float] | None]:
    """Recall@k of each task (None for a task that wants no document of the audience)."""
    found: list[dict[int, float] | None] = []
    for task in tasks:
        required = {
            d for d in task["required_documents"] if not customer_only or audience[d] == "customer"
        }
        if not required:
            found.append(None)
            continue
        result = await searcher.search(
            **task_query(task), top_k=max(KS), audiences=CUSTOMER if customer_only else None
        )
        ranked = list(dict.fromkeys(source.document_id for source in result.sources))
        found.append({k: len(required & set(ranked[:k])) / len(required) for k in KS})
    return found


async def citations(
    searcher: Searcher, tasks: list[dict[str, Any]], audience: dict[str, str]
) -> list[tuple[float, int] | None]:
    """Each extractive answer's cited recall and documents cited (None for a task that expects a
    human or wants no customer-facing document)."""
    settings = OrchestratorSettings()
    generator = ExtractiveGenerator(min_confidence=settings.min_confidence)
    found: list[tuple[float, int] | None] = []
    for task in tasks:
        required = {d for d in task["required_documents"] if audience[d] == "customer"}
        if task.get("expects_human_transfer") or not required:
            found.append(None)
            continue
        result = await searcher.search(
            **task_query(task),
            top_k=settings.top_k,
            audiences=CUSTOMER,
            guidance_top_k=settings.guidance_top_k,
        )
        reply = RetrievalCompleted(
            tenant_id=TENANT,
            chunks=result.sources,
            confidence=result.confidence,
            guidance=result.guidance,
            requests=result.requests,
        )
        _, cited, _ = generator.compose(
            GenerationInput(
                question=task["query"],
                sources=customer_facing(reply.chunks),
                guidance=staff_only(reply),
                requests=requests_of(reply),
                confidence=reply.confidence,
            )
        )
        documents = {source.document_id for source in cited}
        found.append((len(documents & required) / len(required), len(documents)))
    return found


def row(label: str, per_task: list[dict[int, float] | None]) -> str:
    """Mean recall@k of some tasks."""
    scored = [t for t in per_task if t is not None]
    means = "  ".join(f"{statistics.mean(t[k] for t in scored):<10.3f}" for k in KS)
    return f"{label:<34} {means}"


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", type=Path, default=Path("../shared/datasets/tau2_banking"))
    parser.add_argument("--points", type=Path, help="keep the built points in this file")
    args = parser.parse_args()
    documents, tasks = load(args.dataset)
    embedder = Embedder(EmbeddingSettings())
    lexical = LexicalEncoder()
    points = build_points(documents, embedder, lexical, args.points)
    audience = {d["id"]: d["audience"] for d in documents}
    ranker = MemoryRanker(embedder.info.dimension)
    searcher = Searcher(ranker, embedder, lexical, SearchTuning())
    records = [models.Record(id=p.id, vector=p.vector, payload=p.payload) for p in points]
    searcher.load(records)
    print(f"{'':<34} " + "  ".join(f"recall@{k:<3}" for k in KS))
    for customer_only in (False, True):
        kind = "customer-facing" if customer_only else "all audiences"
        per_task = await recall(searcher, tasks, audience, customer_only=customer_only)
        for half, part in (("all", per_task), ("odd", per_task[0::2]), ("even", per_task[1::2])):
            print(row(f"{kind}, {half} tasks", part))
    answers = await citations(searcher, tasks, audience)
    for half, part in (("all", answers), ("odd", answers[0::2]), ("even", answers[1::2])):
        scored = [a for a in part if a is not None]
        recall_mean = statistics.mean(a[0] for a in scored)
        cited_mean = statistics.mean(a[1] for a in scored)
        label = f"answers, {half} tasks"
        print(f"{label:<34} cited recall {recall_mean:.3f}  documents cited {cited_mean:.1f}")
    embedder.close()


if __name__ == "__main__":
    asyncio.run(main())
