"""Retrieval's result cache on fakeredis: a search is cached in the generation it started in."""

import fakeredis

from contracts import Source
from retrieval.cache import ResultCache
from retrieval.search import SearchResult
from support_core.degraded import RedisGuard
from support_core.redis import Keys

REQUEST = {"query": "How do I freeze my card?", "top_k": 5}
RESULT = SearchResult(
    sources=[
        Source(document_id="freeze", chunk_id="freeze:0", title="Freezing", score=0.8, snippet="…")
    ],
    confidence=0.8,
)


async def test_a_result_is_read_back_until_the_knowledge_base_changes(
    redis: fakeredis.FakeAsyncRedis, keys: Keys, guard: RedisGuard
) -> None:
    cache = ResultCache(redis, keys, guard, ttl_seconds=60)
    await cache.put(await cache.key("t", REQUEST), RESULT)
    assert await cache.get(await cache.key("t", REQUEST)) == RESULT
    await cache.invalidate("t")
    assert await cache.get(await cache.key("t", REQUEST)) is None


async def test_a_search_the_knowledge_base_changed_under_is_not_served_again(
    redis: fakeredis.FakeAsyncRedis, keys: Keys, guard: RedisGuard
) -> None:
    cache = ResultCache(redis, keys, guard, ttl_seconds=60)
    key = await cache.key("t", REQUEST)
    await cache.invalidate("t")  # a document was ingested while the search ran
    await cache.put(key, RESULT)
    assert await cache.get(await cache.key("t", REQUEST)) is None
