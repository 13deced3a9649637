"""Hybrid search: dense and BM25 rankings fused per document with reciprocal rank fusion.

A long message is cut into sentence windows, each embedded on its own, and the dense query is
their normalised mean: the model reads only 256 tokens and a customer's story often names the
topic late. (Mean similarity to every window equals similarity to the mean window vector,
so this costs one vector search.) Settings measured with bench/retrieval_eval.py.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from contracts import Embedding, Source
from retrieval.index import Hit
from retrieval.lexical import LexicalEncoder
from retrieval.ranking import Ranker
from support_embeddings import Embedder

Mode = Literal["hybrid", "dense", "lexical"]
SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class SearchTuning:
    """Knobs measured with bench/retrieval_eval.py."""

    candidates: int = 100
    rrf_k: int = 20
    lexical_weight: float = 1.0
    dense_weight: float = 1.0
    window_tokens: int = 128
    max_windows: int = 16
    per_document: int = 1
    snippet_chars: int = 320


def query_windows(
    query: str, count: Callable[[str], int], *, window_tokens: int, max_windows: int
) -> list[str]:
    """The query itself, plus consecutive sentence windows when it is long."""
    if count(query) <= window_tokens:
        return [query]
    windows: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in (s.strip() for s in SENTENCES.split(query)):
        if not sentence:
            continue
        tokens = count(sentence)
        if current and size + tokens > window_tokens:
            windows.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += tokens
    if current:
        windows.append(" ".join(current))
    return [query, *windows[:max_windows]]


def snippet(text: str, limit: int, relevance: Callable[[str], float] | None = None) -> str:
    """The passage cut to about `limit` characters around its sentence closest to the query."""
    text = " ".join(text.split())
    sentences = [sentence for sentence in SENTENCES.split(text) if sentence]
    if len(text) > limit and relevance is not None and len(sentences) > 1:
        first = last = max(range(len(sentences)), key=lambda i: relevance(sentences[i]))
        while True:
            grown = [i for i in (last + 1, first - 1) if 0 <= i < len(sentences)]
            if not grown or len(" ".join(sentences[first : last + 1])) >= limit:
                break
            first, last = min(first, grown[0]), max(last, grown[0])
        text = " ".join(sentences[first : last + 1])
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + " …"


def fuse(
    rankings: list[tuple[float, list[Hit]]], *, rrf_k: int, per_document: int, top_k: int
) -> list[tuple[float, Hit]]:
    """Weighted RRF over each ranking's document order; each document keeps its best chunks."""
    document_score: defaultdict[str, float] = defaultdict(float)
    chunk_score: defaultdict[str, float] = defaultdict(float)
    chunks: dict[str, Hit] = {}
    for weight, hits in rankings:
        seen: set[str] = set()
        for position, hit in enumerate(hits, start=1):
            chunk_score[hit.point_id] += weight / (rrf_k + position)
            chunks.setdefault(hit.point_id, hit)
            document = hit.payload["document_id"]
            if document not in seen:
                seen.add(document)
                document_score[document] += weight / (rrf_k + len(seen))
    best: defaultdict[str, list[Hit]] = defaultdict(list)
    for point_id in sorted(chunk_score, key=chunk_score.__getitem__, reverse=True):
        hit = chunks[point_id]
        group = best[hit.payload["document_id"]]
        if len(group) < per_document:
            group.append(hit)
    ranked = sorted(document_score, key=document_score.__getitem__, reverse=True)[:top_k]
    return [(document_score[document], hit) for document in ranked for hit in best[document]]


@dataclass(frozen=True)
class SearchResult:
    """Ranked passages and how similar the best one is to the query (None without dense)."""

    sources: list[Source]
    confidence: float | None


class Searcher:
    """Finds the passages of a tenant's knowledge base (and session attachments) for a query."""

    def __init__(
        self,
        ranker: Ranker,
        embedder: Embedder,
        lexical: LexicalEncoder,
        tuning: SearchTuning | None = None,
    ) -> None:
        self._ranker = ranker
        self._embedder = embedder
        self._lexical = lexical
        self.tuning = tuning or SearchTuning()

    async def search(
        self,
        *,
        tenant_id: str,
        session_id: str | None,
        query: str,
        top_k: int = 5,
        mode: Mode = "hybrid",
        filters: dict[str, Any] | None = None,
        embedding: Embedding | None = None,
    ) -> SearchResult:
        """Ranked passages, best first, at most `per_document` from each document.

        `embedding` (the query's, made by the sender) is used when the query fits one window.
        """
        tuning = self.tuning
        windows = query_windows(
            query,
            self._embedder.token_count,
            window_tokens=tuning.window_tokens,
            max_windows=tuning.max_windows,
        )
        lexical_query = self._lexical.query(query)
        rankings = await self._ranker.rank(
            tenant_id=tenant_id,
            session_id=session_id,
            metadata=filters,
            dense=await self._query_vector(windows, embedding) if mode != "lexical" else None,
            lexical=lexical_query if mode != "dense" else None,
            limit=tuning.candidates,
        )
        weights = ([tuning.dense_weight] if mode != "lexical" else []) + (
            [tuning.lexical_weight] if mode != "dense" else []
        )
        fused = fuse(
            list(zip(weights, rankings, strict=True)),
            rrf_k=tuning.rrf_k,
            per_document=tuning.per_document,
            top_k=top_k,
        )
        query_terms = set(lexical_query.indices)

        def relevance(sentence: str) -> float:
            return len(query_terms.intersection(self._lexical.query(sentence).indices))

        sources = [
            Source(
                document_id=hit.payload["document_id"],
                title=hit.payload["title"],
                chunk_id=hit.point_id,
                score=round(score, 6),
                snippet=snippet(hit.payload["text"], tuning.snippet_chars, relevance),
                heading_path=hit.payload.get("heading_path", []),
                source_url=hit.payload.get("source_url"),
                text=hit.payload["text"],
            )
            for score, hit in fused
        ]
        dense_hits = rankings[0] if mode != "lexical" else []
        confidence = round(max(dense_hits[0].score, 0.0), 4) if dense_hits else None
        return SearchResult(sources, confidence)

    async def _query_vector(self, windows: list[str], embedding: Embedding | None) -> np.ndarray:
        if len(windows) == 1:
            return await self._embedder.embed_or_accept(windows[0], embedding)
        mean: np.ndarray = (await self._embedder.embed_many(windows)).mean(axis=0)
        normalised: np.ndarray = mean / np.linalg.norm(mean)
        return normalised
