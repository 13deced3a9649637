"""Knowledge gaps: the customer questions the knowledge base could not answer, grouped.

A turn is a gap when its answer cited nothing (the assistant did not know), the knowledge
base's confidence was below the threshold, the customer gave it a 👎, or it was handed off for
low confidence. Questions are compared by their stemmed content words (PostgreSQL's English
text-search dictionary): a question joins the first group, newest first, whose first question
shares at least half of the words of the two (Jaccard ≥ 0.5).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.analytics import dont_know
from audit.models import escalation_facts, rating_facts, turn_facts
from contracts import AuditGapsCompleted, AuditGapsRequested, GapGroup

LOW_CONFIDENCE_HANDOFF = "low_confidence"
SIMILAR = 0.5
EXAMPLES = 3
SAMPLE_SESSIONS = 5


@dataclass
class Group:
    """Questions gathered around the first (newest) one."""

    words: frozenset[str]
    questions: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    signals: dict[str, int] = field(default_factory=dict)
    last_seen: datetime | None = None

    def similar(self, words: frozenset[str]) -> bool:
        """Whether a question with these words belongs here."""
        union = self.words | words
        return bool(union) and len(self.words & words) / len(union) >= SIMILAR

    def add(self, question: str, session_id: str, signals: list[str], at: datetime) -> None:
        """Count one more question."""
        self.questions.append(question)
        if session_id not in self.sessions:
            self.sessions.append(session_id)
        for signal in signals:
            self.signals[signal] = self.signals.get(signal, 0) + 1
        self.last_seen = max(at, self.last_seen or at)

    def reported(self) -> GapGroup:
        """The group as the API shows it."""
        examples = list(dict.fromkeys(self.questions))[:EXAMPLES]
        assert self.last_seen is not None
        return GapGroup(
            count=len(self.questions),
            examples=examples,
            session_ids=self.sessions[:SAMPLE_SESSIONS],
            signals=dict(sorted(self.signals.items())),
            last_seen=self.last_seen,
        )


def signals_of(turn: Any, threshold: float) -> list[str]:
    """Why the turn counts as a gap (none: it does not)."""
    found = []
    if dont_know(turn):
        found.append("dont_know")
    if turn.confidence is not None and turn.confidence < threshold:
        found.append("low_confidence")
    if turn.rating == "down":
        found.append("thumbs_down")
    if turn.reasons and LOW_CONFIDENCE_HANDOFF in turn.reasons:
        found.append("low_confidence_handoff")
    return found


async def gaps(engine: AsyncEngine, request: AuditGapsRequested) -> AuditGapsCompleted:
    """Group the period's unanswered questions, the most recently asked group first."""
    tenant = request.tenant_id
    english: sa.ColumnElement[str] = sa.literal_column("'english'::regconfig")
    words = sa.func.tsvector_to_array(sa.func.to_tsvector(english, turn_facts.c.question))
    query = (
        sa.select(
            turn_facts.c.session_id,
            turn_facts.c.question,
            turn_facts.c.completed_at,
            turn_facts.c.handled_by,
            turn_facts.c.cited,
            turn_facts.c.escalated,
            turn_facts.c.confidence,
            rating_facts.c.rating,
            escalation_facts.c.reasons,
            words.label("words"),
        )
        .outerjoin(
            rating_facts,
            sa.and_(
                rating_facts.c.tenant_id == turn_facts.c.tenant_id,
                rating_facts.c.turn_id == turn_facts.c.turn_id,
            ),
        )
        .outerjoin(
            escalation_facts,
            sa.and_(
                escalation_facts.c.tenant_id == turn_facts.c.tenant_id,
                escalation_facts.c.turn_id == turn_facts.c.turn_id,
            ),
        )
        .where(
            turn_facts.c.tenant_id == tenant,
            turn_facts.c.handled_by == "assistant",
            turn_facts.c.completed_at >= request.since,
            turn_facts.c.completed_at < request.until,
        )
        .order_by(turn_facts.c.completed_at.desc())
    )
    groups: list[Group] = []
    async with engine.connect() as conn:
        for turn in await conn.execute(query):
            found = signals_of(turn, request.low_confidence)
            if not found or not turn.question:
                continue
            question_words = frozenset(turn.words or ())
            group = next((g for g in groups if g.similar(question_words)), None)
            if group is None:
                group = Group(question_words)
                groups.append(group)
            group.add(turn.question, turn.session_id, found, turn.completed_at)
    return request.follow(
        AuditGapsCompleted, groups=[group.reported() for group in groups[: request.limit]]
    )
