"""Resolution analytics from the read models (`projections.py`).

A conversation is a session; it has ended once it has been idle for `idle_minutes`, and is
then escalated (a ticket was opened or a turn handed off), abandoned (the customer's 👎 was the
last word on the assistant's last answer) or resolved by the assistant. A conversation belongs
to the period, and the day, in which its first turn completed; its turns, ratings and
hand-offs count there too, so every figure of a day describes the same conversations.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.models import csat_facts, escalation_facts, rating_facts, turn_facts
from contracts import (
    AnalyticsSummary,
    AuditSummaryCompleted,
    AuditSummaryRequested,
    DayFigures,
    Outcomes,
    Ratings,
    utcnow,
)


@dataclass
class Conversation:
    """One session's turns (in order), hand-off reasons, ratings by turn and CSAT scores."""

    session_id: str
    turns: list[Any] = field(default_factory=list)
    reasons: list[list[str]] = field(default_factory=list)
    ratings: dict[str, str] = field(default_factory=dict)
    csat: list[int] = field(default_factory=list)

    @property
    def started(self) -> datetime:
        """When its first turn completed."""
        return self.turns[0].completed_at  # type: ignore[no-any-return]

    def answers(self) -> list[Any]:
        """The assistant's turns."""
        return [turn for turn in self.turns if turn.handled_by == "assistant"]

    def outcome(self, now: datetime, idle: timedelta) -> str:
        """`open` until idle for `idle`, then escalated, abandoned or resolved."""
        if now - self.turns[-1].completed_at < idle:
            return "open"
        if self.reasons or any(turn.escalated for turn in self.turns):
            return "escalated"
        answers = self.answers()
        if answers and self.ratings.get(answers[-1].turn_id) == "down":
            return "abandoned"
        return "resolved"


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (None without values)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 1)


def dont_know(turn: Any) -> bool:
    """An assistant answer that cited nothing and handed nothing off: no answer was found."""
    return turn.handled_by == "assistant" and turn.cited == 0 and not turn.escalated


def figures(conversations: list[Conversation], now: datetime, idle: timedelta) -> dict[str, Any]:
    """The figures of a set of conversations, as `Figures` fields."""
    outcomes = Counter(conversation.outcome(now, idle) for conversation in conversations)
    reasons = Counter(
        reason
        for conversation in conversations
        for ticket_reasons in conversation.reasons
        for reason in ticket_reasons
    )
    ratings = Counter(
        rating for conversation in conversations for rating in conversation.ratings.values()
    )
    answers = [turn for conversation in conversations for turn in conversation.answers()]
    scores = [score for conversation in conversations for score in conversation.csat]
    ended = outcomes["resolved"] + outcomes["escalated"] + outcomes["abandoned"]
    durations = [turn.duration_ms for turn in answers if turn.duration_ms is not None]
    return {
        "conversations": len(conversations),
        "outcomes": Outcomes(**outcomes),
        "resolution_rate": round(outcomes["resolved"] / ended, 4) if ended else None,
        "escalation_rate": round(outcomes["escalated"] / ended, 4) if ended else None,
        "escalation_reasons": dict(sorted(reasons.items())),
        "turns": len(answers),
        "ratings": Ratings(**ratings),
        "csat_average": round(sum(scores) / len(scores), 2) if scores else None,
        "csat_responses": len(scores),
        "dont_know_rate": (
            round(sum(map(dont_know, answers)) / len(answers), 4) if answers else None
        ),
        "turn_p50_ms": percentile(durations, 0.50),
        "turn_p95_ms": percentile(durations, 0.95),
    }


async def conversations_started(
    engine: AsyncEngine, tenant_id: str, since: datetime, until: datetime
) -> list[Conversation]:
    """The tenant's conversations whose first turn completed in [since, until)."""
    first = (
        sa.select(turn_facts.c.session_id)
        .where(turn_facts.c.tenant_id == tenant_id)
        .group_by(turn_facts.c.session_id)
        .having(sa.func.min(turn_facts.c.completed_at) >= since)
        .having(sa.func.min(turn_facts.c.completed_at) < until)
    )
    active = sa.select(turn_facts.c.session_id).where(
        turn_facts.c.tenant_id == tenant_id, turn_facts.c.completed_at >= since
    )
    in_period = first.where(turn_facts.c.session_id.in_(active)).subquery()
    by_session: dict[str, Conversation] = {}
    async with engine.connect() as conn:
        turns = await conn.execute(
            sa.select(turn_facts)
            .where(
                turn_facts.c.tenant_id == tenant_id,
                turn_facts.c.session_id.in_(sa.select(in_period.c.session_id)),
            )
            .order_by(turn_facts.c.session_id, turn_facts.c.completed_at)
        )
        for turn in turns:
            by_session.setdefault(turn.session_id, Conversation(turn.session_id)).turns.append(turn)
        sessions = list(by_session)
        tickets = await conn.execute(
            sa.select(escalation_facts.c.session_id, escalation_facts.c.reasons).where(
                escalation_facts.c.tenant_id == tenant_id,
                escalation_facts.c.session_id.in_(sessions),
            )
        )
        for session_id, reasons in tickets:
            by_session[session_id].reasons.append(list(reasons))
        rated = await conn.execute(
            sa.select(
                rating_facts.c.session_id, rating_facts.c.turn_id, rating_facts.c.rating
            ).where(rating_facts.c.tenant_id == tenant_id, rating_facts.c.session_id.in_(sessions))
        )
        for session_id, turn_id, rating in rated:
            by_session[session_id].ratings[turn_id] = rating
        scored = await conn.execute(
            sa.select(csat_facts.c.session_id, csat_facts.c.score).where(
                csat_facts.c.tenant_id == tenant_id, csat_facts.c.session_id.in_(sessions)
            )
        )
        for session_id, score in scored:
            by_session[session_id].csat.append(score)
    return sorted(by_session.values(), key=lambda c: c.started)


async def summary(engine: AsyncEngine, request: AuditSummaryRequested) -> AuditSummaryCompleted:
    """The range's figures and each day's."""
    now, idle = utcnow(), timedelta(minutes=request.idle_minutes)
    conversations = await conversations_started(
        engine, request.tenant_id, request.since, request.until
    )
    days: defaultdict[date, list[Conversation]] = defaultdict(list)
    for conversation in conversations:
        days[conversation.started.date()].append(conversation)
    result = AnalyticsSummary(
        since=request.since,
        until=request.until,
        idle_minutes=request.idle_minutes,
        days=[
            DayFigures(day=day, **figures(members, now, idle))
            for day, members in sorted(days.items())
        ],
        **figures(conversations, now, idle),
    )
    return request.follow(AuditSummaryCompleted, summary=result)
