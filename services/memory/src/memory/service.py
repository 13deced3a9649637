"""The memory service: history, facts, recall, export, erasure and retention (no broker code)."""

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts import (
    AgentMessageSent,
    CustomerErased,
    CustomerErasureRequested,
    CustomerExportCompleted,
    CustomerExportRequested,
    CustomerFact,
    HistoryCompleted,
    HistoryMessage,
    HistoryRequested,
    MemoryRecallCompleted,
    MemoryRecallRequested,
    TurnCompleted,
    utcnow,
)
from memory.access import AccessRecorder
from memory.extract import FactExtractor
from memory.facts import content_hash, from_blobs, score, to_blob
from memory.models import facts, messages
from memory.settings import MemorySettings
from support_core.messaging.outbox import Outbox
from support_embeddings import Embedder

log = logging.getLogger(__name__)
TURNS = "memory.turns"
AGENT = "memory.agent-messages"
ERASURE = "memory.erasure"


def owner_of(customer_id: str | None, session_id: str | None) -> str:
    """Whom facts belong to: the customer, or for an anonymous chat, its session."""
    return customer_id or f"session:{session_id}"


def history_message(row: Any) -> HistoryMessage:
    """A stored message as an event part."""
    return HistoryMessage(
        role=row.role,
        text=row.text,
        at=row.at,
        message_id=row.id,
        session_id=row.session_id,
        turn_id=row.turn_id,
    )


class MemoryStore:
    """Remembers conversations and customers."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        embedder: Embedder,
        extractor: FactExtractor,
        settings: MemorySettings,
    ) -> None:
        self._outbox = outbox
        self._embedder = embedder
        self._extractor = extractor
        self._settings = settings
        self.usage = AccessRecorder(outbox, interval=settings.access_flush_seconds)

    async def record_turn(self, turn: TurnCompleted) -> None:
        """Store the turn's two messages and the facts the customer stated, once."""
        extracted = await self._extractor.extract(turn.user_text)
        vectors = list(await self._embedder.embed_many([f.content for f in extracted]))
        async with self._outbox.unit_of_work(consumer=TURNS, event=turn) as uow:
            if uow.duplicate:
                return
            base = {
                "tenant_id": turn.tenant_id,
                "session_id": turn.session_id,
                "customer_id": turn.customer_id,
                "turn_id": turn.correlation_id,
            }
            said = [("customer", turn.user_text, turn.started_at)]
            if turn.answer_text:  # empty while a human agent holds the session
                said.append((turn.handled_by, turn.answer_text, turn.completed_at))
            await uow.conn.execute(
                messages.insert(),
                [
                    base
                    | {
                        "role": role,
                        "text": text,
                        "at": at,
                        "tokens": self._embedder.token_count(text),
                    }
                    for role, text, at in said
                ],
            )
            if not extracted:
                return
            owner = owner_of(turn.customer_id, turn.session_id)
            for fact, vector in zip(extracted, vectors, strict=True):
                await self._remember(uow.conn, turn.tenant_id, owner, turn.session_id, fact, vector)
            await self._enforce_cap(uow.conn, turn.tenant_id, owner)

    async def _remember(
        self,
        conn: AsyncConnection,
        tenant_id: str,
        owner: str,
        session_id: str | None,
        fact: Any,
        vector: np.ndarray,
    ) -> None:
        now = utcnow()
        expires = now + timedelta(days=self._settings.fact_ttl_days)
        await conn.execute(
            insert(facts)
            .values(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                customer_id=owner,
                fact_type=fact.fact_type,
                content=fact.content,
                content_hash=content_hash(fact.content),
                importance=fact.importance,
                embedding=to_blob(vector),
                session_id=session_id,
                created_at=now,
                updated_at=now,
                expires_at=expires,
            )
            .on_conflict_do_update(
                constraint="uq_facts_identity",
                set_={
                    "importance": sa.func.greatest(facts.c.importance, fact.importance),
                    "updated_at": now,
                    "expires_at": expires,
                    "deleted_at": None,
                },
            )
        )

    async def _enforce_cap(self, conn: AsyncConnection, tenant_id: str, owner: str) -> None:
        """Keep at most `max_facts_per_customer` live facts: the least important go first."""
        live = (
            sa.select(facts.c.id)
            .where(facts.c.tenant_id == tenant_id, facts.c.customer_id == owner)
            .where(facts.c.deleted_at.is_(None))
            .order_by(facts.c.importance.desc(), facts.c.updated_at.desc())
            .offset(self._settings.max_facts_per_customer)
        )
        await conn.execute(facts.update().where(facts.c.id.in_(live)).values(deleted_at=utcnow()))

    async def record_agent_message(self, message: AgentMessageSent) -> None:
        """Store a human agent's reply in the conversation, once."""
        async with self._outbox.unit_of_work(consumer=AGENT, event=message) as uow:
            if uow.duplicate:
                return
            await uow.conn.execute(
                messages.insert().values(
                    tenant_id=message.tenant_id,
                    session_id=message.session_id,
                    customer_id=message.customer_id,
                    turn_id=message.correlation_id,
                    role="agent",
                    text=message.text,
                    at=message.occurred_at,
                    tokens=self._embedder.token_count(message.text),
                )
            )

    async def recall(self, request: MemoryRecallRequested) -> MemoryRecallCompleted:
        """Recent history and the customer's most relevant facts, within the token budget."""
        owner = owner_of(request.customer_id, request.session_id)
        now = utcnow()
        query_vector, (fact_rows, history_rows) = await asyncio.gather(
            self._embedder.embed_or_accept(request.query, request.embedding),
            self._load(request, owner, now),
        )
        budget = request.token_budget
        chosen: list[CustomerFact] = []
        if fact_rows:
            vectors = from_blobs([r.embedding for r in fact_rows], len(query_vector))
            similarities = vectors @ query_vector
            ranked = sorted(
                (
                    (
                        score(
                            float(similarity),
                            row.importance,
                            row.last_accessed_at or row.updated_at,
                            now,
                            half_life_days=self._settings.half_life_days,
                        ),
                        row,
                    )
                    for similarity, row in zip(similarities, fact_rows, strict=True)
                ),
                key=lambda pair: pair[0],
                reverse=True,
            )
            for value, row in ranked[: request.max_facts]:
                cost = self._embedder.token_count(row.content)
                if cost > budget:
                    break
                budget -= cost
                chosen.append(
                    CustomerFact(
                        fact_type=row.fact_type,
                        content=row.content,
                        score=round(value, 4),
                        fact_id=str(row.id),
                        importance=row.importance,
                    )
                )
        history: list[HistoryMessage] = []
        for row in history_rows:
            cost = row.tokens if row.tokens is not None else self._embedder.token_count(row.text)
            if cost > budget:
                break
            budget -= cost
            history.append(history_message(row))
        self.usage.note([uuid.UUID(f.fact_id) for f in chosen if f.fact_id])
        return request.follow(MemoryRecallCompleted, history=history[::-1], facts=chosen)

    async def _load(
        self, request: MemoryRecallRequested, owner: str, now: datetime
    ) -> tuple[Sequence[Any], Sequence[Any]]:
        async with self._outbox.autocommit() as conn:
            fact_rows = (
                await conn.execute(
                    sa.select(facts).where(
                        facts.c.tenant_id == request.tenant_id,
                        facts.c.customer_id == owner,
                        facts.c.deleted_at.is_(None),
                        sa.or_(facts.c.expires_at.is_(None), facts.c.expires_at > now),
                    )
                )
            ).all()
            history_rows = (
                await conn.execute(
                    sa.select(messages)
                    .where(
                        messages.c.tenant_id == request.tenant_id,
                        messages.c.session_id == request.session_id,
                    )
                    .order_by(messages.c.at.desc(), messages.c.id.desc())
                    .limit(request.max_turns * 2)
                )
            ).all()
        return fact_rows, history_rows

    async def history(self, request: HistoryRequested) -> HistoryCompleted:
        """A page of the session's messages, newest first."""
        query = (
            sa.select(messages)
            .where(
                messages.c.tenant_id == request.tenant_id,
                messages.c.session_id == request.session_id,
            )
            .order_by(messages.c.at.desc(), messages.c.id.desc())
            .limit(request.limit + 1)
        )
        if request.before is not None:
            anchor = (
                sa.select(messages.c.at).where(messages.c.id == request.before).scalar_subquery()
            )
            query = query.where(
                sa.tuple_(messages.c.at, messages.c.id) < sa.tuple_(anchor, request.before)
            )
        async with self._outbox.unit_of_work() as uow:
            rows = (await uow.conn.execute(query)).all()
        page = [history_message(row) for row in rows[: request.limit]]
        next_before = page[-1].message_id if len(rows) > request.limit else None
        return request.follow(HistoryCompleted, messages=page, next_before=next_before)

    async def export(self, request: CustomerExportRequested) -> CustomerExportCompleted:
        """Every message and fact held about the customer, deleted facts included."""
        async with self._outbox.unit_of_work() as uow:
            message_rows = (
                await uow.conn.execute(
                    sa.select(messages)
                    .where(
                        messages.c.tenant_id == request.tenant_id,
                        messages.c.customer_id == request.customer_id,
                    )
                    .order_by(messages.c.at, messages.c.id)
                )
            ).all()
            fact_rows = (
                await uow.conn.execute(
                    sa.select(facts)
                    .where(
                        facts.c.tenant_id == request.tenant_id,
                        facts.c.customer_id == request.customer_id,
                    )
                    .order_by(facts.c.created_at)
                )
            ).all()
        return request.follow(
            CustomerExportCompleted,
            customer_id=request.customer_id,
            messages=[history_message(row) for row in message_rows],
            facts=[
                CustomerFact(
                    fact_type=row.fact_type,
                    content=row.content,
                    fact_id=str(row.id),
                    importance=row.importance,
                    created_at=row.created_at,
                    last_accessed_at=row.last_accessed_at,
                    access_count=row.access_count,
                    expires_at=row.expires_at,
                    deleted_at=row.deleted_at,
                )
                for row in fact_rows
            ],
        )

    async def erase(self, request: CustomerErasureRequested) -> None:
        """Delete the customer's messages and facts and tell the other services to purge."""
        async with self._outbox.unit_of_work(consumer=ERASURE, event=request) as uow:
            if uow.duplicate:
                return
            for table in (messages, facts):
                await uow.conn.execute(
                    table.delete().where(
                        table.c.tenant_id == request.tenant_id,
                        table.c.customer_id == request.customer_id,
                    )
                )
            uow.emit(request.follow(CustomerErased, customer_id=request.customer_id))

    async def purge_expired(self) -> int:
        """Retention: drop expired facts and facts soft-deleted longer than the grace period."""
        now = utcnow()
        grace = now - timedelta(days=self._settings.deleted_fact_grace_days)
        async with self._outbox.unit_of_work() as uow:
            result = await uow.conn.execute(
                facts.delete().where(sa.or_(facts.c.expires_at < now, facts.c.deleted_at < grace))
            )
        return int(result.rowcount or 0)
