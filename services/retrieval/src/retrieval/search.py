"""Hybrid search: dense and BM25 rankings fused per document, documents re-scored by what their
titles say, and a message's separate requests each given their own passages.

A long message is cut into sentence windows, each embedded on its own, and the dense query is
their normalised mean: the model reads only 256 tokens and a customer's story often names the
topic late. (Mean similarity to every window equals similarity to the mean window vector, so
this costs one vector search.) Both rankings become document rankings (a document ranks at its
best chunk) fused with reciprocal rank fusion; then (in hybrid mode) a document gains for the
share of its title's terms the message uses (rarer terms weigh more) and for being about a
product the message names (`catalogue.py`), so "Gold Rewards Card" outranks
"Business Gold Rewards Card" unless the message says "business". A message that makes several
requests (`requests.py`) is also searched request by request, so each gets passages of its
own. Settings measured with `support eval run` and bench/retrieval_eval.py (docs/retrieval.md).
"""

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from qdrant_client import models

from contracts import Embedding, RequestMatch, Source
from retrieval.index import INTERNAL, Hit, audience_of
from retrieval.lexical import LexicalEncoder
from retrieval.profiles import Profiles, TenantProfile
from retrieval.ranking import Ranker
from retrieval.requests import split_requests
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
    title_weight: float = 0.02
    named_weight: float = 0.02
    request_candidates: int = 50
    per_request: int = 3
    max_requests: int = 6


def query_windows(
    query: str, count: Callable[[str], int], *, window_tokens: int, max_windows: int
) -> list[str]:
    """The query itself, or its consecutive sentence windows when it is long."""
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
    return windows[:max_windows]


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


STAFF = frozenset({INTERNAL})


@dataclass
class Ranked:
    """Documents by fused score, each with its best chunks of each audience (a customer page
    may have sections written to staff)."""

    scores: dict[str, float]
    chunks: dict[str, list[Hit]]

    def order(self) -> list[str]:
        """Document ids, best first."""
        return sorted(self.scores, key=self.scores.__getitem__, reverse=True)

    def of(self, document: str, audiences: frozenset[str] | None) -> list[Hit]:
        """The document's best chunks of `audiences` (all if None), best first."""
        hits = self.chunks.get(document, [])
        return [h for h in hits if audiences is None or audience_of(h.payload) in audiences]


def fuse(rankings: list[tuple[float, list[Hit]]], *, rrf_k: int, per_document: int) -> Ranked:
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
    kept: Counter[tuple[str, str]] = Counter()
    for point_id in sorted(chunk_score, key=chunk_score.__getitem__, reverse=True):
        hit = chunks[point_id]
        part = (hit.payload["document_id"], audience_of(hit.payload))
        if kept[part] < per_document:
            kept[part] += 1
            best[part[0]].append(hit)
    return Ranked(dict(document_score), dict(best))


@dataclass(frozen=True)
class SearchResult:
    """Ranked passages, how similar the best one is to the query (None without dense), the
    staff-only passages asked for apart, and the message's requests with their passages."""

    sources: list[Source]
    confidence: float | None
    guidance: list[Source] = field(default_factory=list)
    requests: list[RequestMatch] = field(default_factory=list)


@dataclass(frozen=True)
class Query:
    """What is searched for: a text, its vectors and what may be returned."""

    tenant_id: str
    session_id: str | None
    metadata: dict[str, Any] | None
    audiences: frozenset[str] | None
    mode: Mode


class Searcher:
    """Finds the passages of a tenant's knowledge base (and session attachments) for a query."""

    def __init__(
        self,
        ranker: Ranker,
        embedder: Embedder,
        lexical: LexicalEncoder,
        tuning: SearchTuning | None = None,
        profiles: Profiles | None = None,
    ) -> None:
        self._ranker = ranker
        self._embedder = embedder
        self._lexical = lexical
        self._profiles = profiles or Profiles(lexical)
        self.tuning = tuning or SearchTuning()

    def apply(self, tenant_id: str, upserted: list[models.PointStruct], removed: list[str]) -> None:
        """Chunks written to or deleted from the index."""
        self._ranker.apply(tenant_id, upserted, removed)
        self._profiles.apply(tenant_id, upserted, removed)

    def load(self, records: list[models.Record]) -> None:
        """Every stored chunk, at start."""
        self._ranker.load(records)
        self._profiles.load(records)

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
        audiences: frozenset[str] | None = None,
        guidance_top_k: int = 0,
    ) -> SearchResult:
        """Ranked passages of `audiences` (all if None), best first, at most `per_document`
        of each audience from each document; with `guidance_top_k`, that many staff-only
        passages apart.

        `embedding` (the query's, made by the sender) is used when the query fits one window.
        """
        tuning = self.tuning
        searched = audiences | {INTERNAL} if audiences is not None and guidance_top_k else audiences
        scope = Query(tenant_id, session_id, filters, searched, mode)
        profile = self._profiles.tenant(tenant_id)
        windows = query_windows(
            query,
            self._embedder.token_count,
            window_tokens=tuning.window_tokens,
            max_windows=tuning.max_windows,
        )
        dense = await self._query_vector(windows, embedding) if mode != "lexical" else None
        lexical = self._lexical.query(query)
        ranked, dense_hits = await self._rank(
            scope, query, dense, lexical, profile, tuning.candidates
        )
        query_terms = frozenset(lexical.indices)

        def relevance(sentence: str) -> float:
            return len(query_terms & self._lexical.terms(sentence))

        def source(hit: Hit, score: float) -> Source:
            return Source(
                document_id=hit.payload["document_id"],
                title=hit.payload["title"],
                chunk_id=hit.point_id,
                score=round(score, 6),
                snippet=snippet(hit.payload["text"], tuning.snippet_chars, relevance),
                heading_path=hit.payload.get("heading_path", []),
                source_url=hit.payload.get("source_url"),
                text=hit.payload["text"],
                audience=audience_of(hit.payload),
            )

        def wanted(found: Ranked, document: str) -> bool:
            return bool(found.of(document, audiences))

        order = ranked.order()
        chosen = [d for d in order if wanted(ranked, d)][:top_k]
        requests = await self._requests(scope, query, profile, ranked, chosen, dense_hits, wanted)
        for match in requests:
            for document in match.documents:
                if document not in chosen:
                    chosen.append(document)
        cited_staff = audiences is None or INTERNAL in audiences
        staff = [d for d in order if ranked.of(d, STAFF) and not (cited_staff and d in chosen)]
        sources = [source(hit, ranked.scores[d]) for d in chosen for hit in ranked.of(d, audiences)]
        guidance = [
            source(ranked.of(d, STAFF)[0], ranked.scores[d]) for d in staff[:guidance_top_k]
        ]
        return SearchResult(
            sources,
            _confidence(dense_hits, audiences),
            guidance,
            [match.contract(ranked, audiences) for match in requests],
        )

    async def _rank(
        self,
        scope: Query,
        text: str,
        dense: np.ndarray | None,
        lexical: models.SparseVector,
        profile: TenantProfile,
        candidates: int,
    ) -> tuple[Ranked, list[Hit]]:
        """Fused, title-aware document scores for one text (its dense and lexical queries
        given), and its dense hits."""
        tuning = self.tuning
        rankings = await self._ranker.rank(
            tenant_id=scope.tenant_id,
            session_id=scope.session_id,
            metadata=scope.metadata,
            audiences=scope.audiences,
            dense=dense,
            lexical=lexical if scope.mode != "dense" else None,
            limit=candidates,
        )
        weights = ([tuning.dense_weight] if dense is not None else []) + (
            [tuning.lexical_weight] if scope.mode != "dense" else []
        )
        ranked = fuse(
            list(zip(weights, rankings, strict=True)),
            rrf_k=tuning.rrf_k,
            per_document=tuning.per_document,
        )
        if scope.mode != "hybrid":
            return ranked, rankings[0] if dense is not None else []  # one signal, as asked
        terms = set(lexical.indices)
        catalogue = profile.catalogue
        named = catalogue.named_in(text)
        for document in ranked.scores:
            ranked.scores[document] += tuning.title_weight * profile.title_coverage(
                document, terms
            ) + tuning.named_weight * bool(catalogue.subjects(document) & named)
        return ranked, rankings[0] if dense is not None else []

    async def _requests(
        self,
        scope: Query,
        query: str,
        profile: TenantProfile,
        ranked: Ranked,
        chosen: list[str],
        dense_hits: list[Hit],
        wanted: Callable[[Ranked, str], bool],
    ) -> list["Request"]:
        """The message's requests, each with its best documents (the message's own ranking
        when it makes one request)."""
        tuning = self.tuning
        texts = split_requests(query, limit=tuning.max_requests)
        catalogue = profile.catalogue
        if len(texts) == 1:
            confidence = _confidence(dense_hits, scope.audiences)
            return [Request(query, chosen, confidence, catalogue.mentioned(query))]
        vectors = (
            await self._embedder.embed_many(texts)
            if scope.mode != "lexical"
            else [None] * len(texts)
        )
        found = []
        for text, vector in zip(texts, vectors, strict=True):
            own, hits = await self._rank(
                scope,
                text,
                vector,
                self._lexical.query(text),
                profile,
                tuning.request_candidates,
            )
            documents = [d for d in own.order() if wanted(own, d)][: tuning.per_request]
            for document in documents:
                ranked.chunks.setdefault(document, own.chunks[document])
                ranked.scores.setdefault(document, own.scores[document])
            found.append(
                Request(
                    text,
                    documents,
                    _confidence(hits, scope.audiences),
                    catalogue.mentioned(text),
                )
            )
        return found

    async def _query_vector(self, windows: list[str], embedding: Embedding | None) -> np.ndarray:
        if len(windows) == 1:
            return await self._embedder.embed_or_accept(windows[0], embedding)
        mean: np.ndarray = (await self._embedder.embed_many(windows)).mean(axis=0)
        normalised: np.ndarray = mean / np.linalg.norm(mean)
        return normalised


@dataclass(frozen=True)
class Request:
    """One request of the message, its documents and how well the best one matches."""

    text: str
    documents: list[str]
    confidence: float | None
    names: list[str]

    def contract(self, ranked: Ranked, audiences: frozenset[str] | None) -> RequestMatch:
        """As the event carries it."""
        return RequestMatch(
            text=self.text,
            chunk_ids=[hit.point_id for d in self.documents for hit in ranked.of(d, audiences)],
            confidence=self.confidence,
            names=self.names,
        )


def _confidence(dense_hits: list[Hit], audiences: frozenset[str] | None) -> float | None:
    """Similarity of the best dense hit of the wanted audiences (None without dense)."""
    for hit in dense_hits:
        if audiences is None or audience_of(hit.payload) in audiences:
            return round(max(hit.score, 0.0), 4)
    return None
