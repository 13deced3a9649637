"""Auditors' requests to the audit service: queries over the trail and chain verification."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from contracts.envelope import Event, Model


class AuditRecord(Model):
    """One stored, redacted, hash-chained event."""

    id: int
    event_id: UUID
    event_type: str
    session_id: str | None = None
    turn_id: str | None = None
    ticket_id: str | None = None
    trace_id: str | None = None
    occurred_at: datetime
    recorded_at: datetime
    payload: dict[str, Any] = Field(default_factory=dict)
    pii_redacted: bool = False
    prev_hash: str
    hash: str


class AuditFilter(Model):
    """Which records: all given conditions hold; times are `since` ≤ occurred_at < `until`."""

    session_id: str | None = None
    ticket_id: str | None = None
    record_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditCursor(Model):
    """Where the next page starts: after this record in (occurred_at, id) order."""

    occurred_at: datetime
    id: int


class AuditQueryRequested(Event):
    """A page of the tenant's audit records in chronological order."""

    event_type: Literal["audit.query.requested"] = "audit.query.requested"
    filter: AuditFilter = Field(default_factory=AuditFilter)
    after: AuditCursor | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class AuditQueryCompleted(Event):
    """The records of a page; `next` is the cursor of the page after it, if any."""

    event_type: Literal["audit.query.completed"] = "audit.query.completed"
    records: list[AuditRecord] = Field(default_factory=list)
    next: AuditCursor | None = None


class AuditVerifyRequested(Event):
    """Check the tenant's hash chain."""

    event_type: Literal["audit.verify.requested"] = "audit.verify.requested"


class BrokenLink(Model):
    """The first place the chain does not hold.

    `hash`: the record's stored hash differs from the one recomputed from its content.
    `link`: its `prev_hash` is not the hash of the record before it (one was removed or edited).
    `head`: the chain ends before the head the service recorded (records at the end removed).
    """

    problem: Literal["hash", "link", "head"]
    record_id: int | None
    expected: str
    stored: str


class AuditVerifyCompleted(Event):
    """The outcome of a chain check."""

    event_type: Literal["audit.verify.completed"] = "audit.verify.completed"
    ok: bool
    checked: int = 0
    first_broken: BrokenLink | None = None
    head_id: int | None = None
    head_hash: str | None = None
    pruned_through_id: int | None = Field(
        default=None, description="Records up to this id were deleted by the retention policy."
    )
