"""Admins' analytics: how many conversations the assistant resolves, and what it cannot answer.

The audit service keeps the figures (it records every turn); the gateway asks it.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from contracts import (
    AnalyticsSummary,
    AuditGapsCompleted,
    AuditGapsRequested,
    AuditSummaryCompleted,
    AuditSummaryRequested,
    GapGroup,
    utcnow,
)
from gateway.deps import AdminDep, GatewayDep
from gateway.rest.asking import ask

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])
AUDIT = "the audit service"
DEFAULT_DAYS = 7
MAX_DAYS = 366
RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only admins read the analytics"},
    422: {"description": "`from` is not before `to`, or the range is over 366 days"},
    503: {"description": "The audit service did not answer in time"},
}
Since = Annotated[
    datetime | None, Query(alias="from", description=f"Default: {DEFAULT_DAYS} days before `to`.")
]
Until = Annotated[datetime | None, Query(alias="to", description="Default: now.")]


class Gaps(BaseModel):
    """Groups of similar unanswered questions, the most recently asked first."""

    groups: list[GapGroup]


def period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """[since, until) with defaults, or 422."""
    until = until or utcnow()
    since = since or until - timedelta(days=DEFAULT_DAYS)
    if since.tzinfo is None or until.tzinfo is None:
        raise HTTPException(422, "`from` and `to` need a time zone (e.g. 2026-12-01T00:00:00Z)")
    if since >= until:
        raise HTTPException(422, "`from` must be before `to`")
    if until - since > timedelta(days=MAX_DAYS):
        raise HTTPException(422, f"the range is limited to {MAX_DAYS} days")
    return since, until


@router.get("/summary", responses=RESPONSES)
async def summary(
    admin: AdminDep,
    gateway: GatewayDep,
    since: Since = None,
    until: Until = None,
    idle_minutes: Annotated[
        int | None,
        Query(ge=1, le=24 * 60, description="Idle time that ends a conversation."),
    ] = None,
) -> AnalyticsSummary:
    """Conversations that started in the range, how they ended, ratings, "I don't know" answers
    and turn times, for the range and per day (UTC)."""
    start, end = period(since, until)
    request = AuditSummaryRequested(
        tenant_id=admin.tenant_id,
        since=start,
        until=end,
        idle_minutes=idle_minutes or gateway.settings.conversation_idle_minutes,
    )
    return (await ask(gateway, request, AuditSummaryCompleted, asked=AUDIT)).summary


@router.get("/gaps", responses=RESPONSES)
async def gaps(
    admin: AdminDep,
    gateway: GatewayDep,
    since: Since = None,
    until: Until = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    low_confidence: Annotated[
        float, Query(ge=0, le=1, description="Knowledge-base confidence below which a turn counts.")
    ] = 0.35,
) -> Gaps:
    """Questions the knowledge base could not answer ("I don't know", low confidence, 👎, or a
    hand-off for low confidence), similar ones grouped, with examples and sample sessions."""
    start, end = period(since, until)
    request = AuditGapsRequested(
        tenant_id=admin.tenant_id,
        since=start,
        until=end,
        limit=limit,
        low_confidence=low_confidence,
    )
    return Gaps(groups=(await ask(gateway, request, AuditGapsCompleted, asked=AUDIT)).groups)
