"""Recall latency of the memory service with 10,000 stored facts, through the broker.

    uv run python -m bench.recall_latency [--facts 10000]

Starts the memory service as its own process (isolated vhost, database, Redis prefix, the fact
cap raised so nothing is trimmed), stores `facts` facts with their embeddings straight into its
schema (the same blobs `turn.completed` would produce, without waiting for 10,000 turns), plus
20 messages of history, then times `memory.recall.requested` → `memory.recall.completed`, one
at a time and 8 in flight, for two layouts: every fact belonging to one customer (the worst
case: recall ranks them all) and the facts spread over 50 customers of the same tenant.
"""

import argparse
import asyncio
import random
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

from bench.stack import isolated_stack
from bench.stack import probe as bench_probe
from bench.stats import Summary, summarise
from contracts import MemoryRecallCompleted, MemoryRecallRequested, utcnow
from memory.facts import content_hash, to_blob
from memory.models import facts, messages
from support_core.db import create_engine
from support_core.runtime import ServiceRuntime
from support_core.settings import DatabaseSettings
from support_embeddings import Embedder, EmbeddingSettings

TENANT = "bench"
SESSION = "bench-session"
PRODUCTS = ("Platinum Card", "Savings Account", "Travel Plan", "Home Loan", "Gold Membership")
CHANNELS = ("email", "phone", "SMS", "chat", "post")
QUERIES = (
    "What was my order number again?",
    "Can you contact me the way I prefer?",
    "Is my Platinum Card eligible for travel insurance?",
    "I asked about my account last week",
    "What do you know about my savings?",
)


def fact_texts(count: int, rng: random.Random) -> list[tuple[str, str, float]]:
    """`count` distinct facts of the kinds the extractor produces: (type, content, importance)."""
    made: list[tuple[str, str, float]] = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            made.append(("order_number", f"order number {rng.randrange(10**7):07d}-{i}", 0.8))
        elif kind == 1:
            made.append(("product", f"mentioned {rng.choice(PRODUCTS)} #{i}", 0.6))
        elif kind == 2:
            made.append(("contact_channel", f"prefers {rng.choice(CHANNELS)} ({i})", 0.7))
        else:
            made.append(("preference", f"likes {rng.choice(PRODUCTS).lower()} offer {i}", 0.5))
    return made


async def seed(database_url: str, owners: list[str], count: int) -> float:
    """Store `count` embedded facts round-robin over `owners`; return seconds spent embedding."""
    rng = random.Random(7)
    texts = fact_texts(count, rng)
    embedder = Embedder(EmbeddingSettings())
    started = time.perf_counter()
    vectors = embedder.embed_sync([content for _, content, _ in texts])
    embedding_s = time.perf_counter() - started
    embedder.close()
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": TENANT,
            "customer_id": owners[i % len(owners)],
            "fact_type": fact_type,
            "content": content,
            "content_hash": content_hash(content),
            "importance": importance,
            "embedding": to_blob(vector),
            "session_id": SESSION,
            "created_at": now - timedelta(days=rng.uniform(0, 90)),
            "updated_at": now - timedelta(days=rng.uniform(0, 90)),
            "expires_at": now + timedelta(days=365),
        }
        for i, ((fact_type, content, importance), vector) in enumerate(
            zip(texts, vectors, strict=True)
        )
    ]
    history = [
        {
            "tenant_id": TENANT,
            "session_id": SESSION,
            "customer_id": owners[0],
            "role": "customer" if i % 2 == 0 else "assistant",
            "text": f"message {i} about my {PRODUCTS[i % len(PRODUCTS)]}",
            "at": now - timedelta(minutes=20 - i),
        }
        for i in range(20)
    ]
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.delete(facts).where(facts.c.tenant_id == TENANT))
            for start in range(0, len(rows), 1000):
                await conn.execute(facts.insert(), rows[start : start + 1000])
            await conn.execute(messages.insert(), history)
    finally:
        await engine.dispose()
    return embedding_s


async def recall(probe: ServiceRuntime, customer: str, concurrency: int, label: str) -> Summary:
    """Time 200 recalls for `customer` with `concurrency` in flight."""
    instance = probe.instance
    semaphore = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(i: int) -> None:
        async with semaphore:
            started = time.perf_counter()
            reply = await instance.request(
                MemoryRecallRequested(
                    tenant_id=TENANT,
                    session_id=SESSION,
                    customer_id=customer,
                    query=QUERIES[i % len(QUERIES)],
                ),
                MemoryRecallCompleted,
                timeout=30,
            )
            latencies.append(time.perf_counter() - started)
            if len(reply.facts) != 5 or not reply.history:
                raise RuntimeError(f"recall came back short: {reply}")

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(200)))
    return summarise(label, latencies, time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--facts", type=int, default=10_000)
    args = parser.parse_args()
    results: list[Summary] = []
    async with isolated_stack(("memory",), MEMORY_MAX_FACTS_PER_CUSTOMER=str(args.facts)) as (
        infra,
        _,
    ):
        probe = bench_probe(infra)
        await probe.start()
        try:
            for layout, owners in (
                ("one customer", ["cust-0"]),
                ("50 customers", [f"cust-{i}" for i in range(50)]),
            ):
                embedding_s = await seed(infra.database_url, owners, args.facts)
                print(f"{layout}: embedded {args.facts} facts in {embedding_s:.1f}s")
                per_owner = args.facts // len(owners)
                for concurrency in (1, 8):
                    label = f"{per_owner} facts/customer, {concurrency} in flight"
                    results.append(await recall(probe, owners[0], concurrency, label))
        finally:
            await probe.stop()
    for summary in results:
        print(summary.row())


if __name__ == "__main__":
    asyncio.run(main())
