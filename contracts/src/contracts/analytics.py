"""Support-team analytics, answered by the audit service from what it records of each turn."""

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from contracts.envelope import Event, Model


class Ratings(Model):
    """Customers' 👍 and 👎 on answers."""

    up: int = 0
    down: int = 0


class Outcomes(Model):
    """Conversations by how they ended (`open`: active within the idle time, not ended yet)."""

    resolved: int = 0
    escalated: int = 0
    abandoned: int = 0
    open: int = 0


class Figures(Model):
    """The figures of a period (the whole range, or one day)."""

    conversations: int = Field(description="Conversations that started in the period.")
    outcomes: Outcomes
    resolution_rate: float | None = Field(
        description="Ended conversations resolved by the assistant: no hand-off, and no 👎 on "
        "its last answer (null when none ended)."
    )
    escalation_rate: float | None = Field(description="Ended conversations handed to a person.")
    escalation_reasons: dict[str, int] = Field(
        default_factory=dict, description="Hand-offs of the period's conversations by reason."
    )
    turns: int = Field(description="Customer messages the assistant answered.")
    ratings: Ratings
    csat_average: float | None = Field(
        description="Mean 1–5 satisfaction score given after a person resolved the hand-off."
    )
    csat_responses: int
    dont_know_rate: float | None = Field(
        description="Answered turns whose answer cited nothing: the knowledge base had no answer."
    )
    turn_p50_ms: float | None
    turn_p95_ms: float | None


class DayFigures(Figures):
    """One UTC day of conversations (by the day each started)."""

    day: date


class AnalyticsSummary(Figures):
    """The figures of a range and of each day in it."""

    since: datetime
    until: datetime
    idle_minutes: int
    days: list[DayFigures] = Field(default_factory=list)


class GapGroup(Model):
    """Similar customer questions the knowledge base could not answer."""

    count: int
    examples: list[str] = Field(description="Distinct questions of the group (redacted).")
    session_ids: list[str] = Field(description="Some of the sessions that asked.")
    signals: dict[str, int] = Field(
        description="Why they count as gaps: `dont_know`, `low_confidence`, `thumbs_down`, "
        "`low_confidence_handoff`."
    )
    last_seen: datetime


class AuditSummaryRequested(Event):
    """Resolution analytics of the tenant's conversations that started in [since, until)."""

    event_type: Literal["audit.summary.requested"] = "audit.summary.requested"
    since: datetime
    until: datetime
    idle_minutes: int = Field(default=30, ge=1, le=24 * 60)


class AuditSummaryCompleted(Event):
    """The summary."""

    event_type: Literal["audit.summary.completed"] = "audit.summary.completed"
    summary: AnalyticsSummary


class AuditGapsRequested(Event):
    """Questions of [since, until) the knowledge base could not answer, grouped."""

    event_type: Literal["audit.gaps.requested"] = "audit.gaps.requested"
    since: datetime
    until: datetime
    limit: int = Field(default=50, ge=1, le=500)
    low_confidence: float = Field(default=0.35, ge=0, le=1)


class AuditGapsCompleted(Event):
    """The groups, the most recently asked first."""

    event_type: Literal["audit.gaps.completed"] = "audit.gaps.completed"
    groups: list[GapGroup] = Field(default_factory=list)
