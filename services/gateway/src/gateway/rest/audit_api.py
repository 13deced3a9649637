"""Auditors' API: the tenant's redacted audit trail by session, ticket or time, export, verify."""

import base64
import binascii
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError

from contracts import (
    AuditCursor,
    AuditFilter,
    AuditQueryCompleted,
    AuditQueryRequested,
    AuditRecord,
    AuditVerifyCompleted,
    AuditVerifyRequested,
    BrokenLink,
    Event,
)
from gateway.deps import GatewayDep, require
from gateway.rest.asking import ask
from gateway.service import Gateway
from gateway.tokens import Principal

router = APIRouter(prefix="/v1/audit", tags=["audit"])
AUDIT = "the audit service"
AuditorDep = Annotated[Principal, Depends(require("auditor", "admin"))]
E = TypeVar("E", bound=Event)
# Verification walks the whole chain (~5,000 records/s measured, docs/audit.md): allow longer.
VERIFY_TIMEOUT_SECONDS = 300.0
EXPORT_PAGE = 500
RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only auditors and admins read the audit trail"},
    503: {"description": "The audit service did not answer in time"},
}
PAGED: dict[int | str, dict[str, Any]] = RESPONSES | {
    400: {"description": "The cursor is not one this API handed out"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Nothing of this tenant has this id"}
}
Limit = Annotated[int, Query(ge=1, le=1000)]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]
Since = Annotated[datetime | None, Query(alias="from", description="Occurred at or after.")]
Until = Annotated[datetime | None, Query(alias="to", description="Occurred before.")]


class RecordPage(BaseModel):
    """Records in chronological order; pass `next_cursor` as `cursor` for the next page."""

    records: list[AuditRecord]
    next_cursor: str | None


class Verification(BaseModel):
    """Whether the tenant's hash chain holds, and if not, its first broken link."""

    ok: bool
    checked: int
    first_broken: BrokenLink | None
    head_id: int | None
    head_hash: str | None
    pruned_through_id: int | None


def encode_cursor(cursor: AuditCursor | None) -> str | None:
    """An opaque, URL-safe cursor."""
    return base64.urlsafe_b64encode(cursor.model_dump_json().encode()).decode() if cursor else None


def decode_cursor(cursor: str | None) -> AuditCursor | None:
    """The cursor a client sent back; 400 if it is not one of ours."""
    if cursor is None:
        return None
    try:
        return AuditCursor.model_validate_json(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, ValidationError):
        raise HTTPException(400, "invalid cursor") from None


async def page(
    gateway: Gateway,
    caller: Principal,
    wanted: AuditFilter,
    *,
    limit: int,
    after: AuditCursor | None,
) -> AuditQueryCompleted:
    """One page of the caller's tenant's records."""
    request = AuditQueryRequested(
        tenant_id=caller.tenant_id, filter=wanted, after=after, limit=limit
    )
    return await ask(gateway, request, AuditQueryCompleted, asked=AUDIT)


async def record_page(
    gateway: Gateway, caller: Principal, wanted: AuditFilter, limit: int, cursor: str | None
) -> RecordPage:
    """A page as the API returns it."""
    reply = await page(gateway, caller, wanted, limit=limit, after=decode_cursor(cursor))
    return RecordPage(records=reply.records, next_cursor=encode_cursor(reply.next))


def found(result: RecordPage, cursor: str | None) -> RecordPage:
    """404 when the first page of an id's records is empty (unknown here, or another tenant's)."""
    if cursor is None and not result.records:
        raise HTTPException(404, "no audit records for this id")
    return result


@router.get("/verify", responses=RESPONSES)
async def verify(caller: AuditorDep, gateway: GatewayDep) -> Verification:
    """Recompute the tenant's hash chain and report the first broken link, if any."""
    reply = await ask(
        gateway,
        AuditVerifyRequested(tenant_id=caller.tenant_id),
        AuditVerifyCompleted,
        asked=AUDIT,
        timeout=VERIFY_TIMEOUT_SECONDS,
    )
    return Verification.model_validate(reply.model_dump(include=set(Verification.model_fields)))


@router.get("/records", responses=PAGED)
async def records_between(
    caller: AuditorDep,
    gateway: GatewayDep,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> RecordPage:
    """Records whose event occurred in [`from`, `to`), oldest first."""
    return await record_page(gateway, caller, AuditFilter(since=since, until=until), limit, cursor)


@router.get("/records/{record_id}", responses=RESPONSES | NOT_FOUND)
async def record(record_id: int, caller: AuditorDep, gateway: GatewayDep) -> AuditRecord:
    """One record."""
    reply = await page(gateway, caller, AuditFilter(record_id=record_id), limit=1, after=None)
    if not reply.records:
        raise HTTPException(404, "no such audit record")
    return reply.records[0]


@router.get("/sessions/{session_id}/records", responses=PAGED | NOT_FOUND)
async def session_records(
    session_id: str,
    caller: AuditorDep,
    gateway: GatewayDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> RecordPage:
    """A session's records in chronological order."""
    result = await record_page(gateway, caller, AuditFilter(session_id=session_id), limit, cursor)
    return found(result, cursor)


@router.get("/tickets/{ticket_id}/records", responses=PAGED | NOT_FOUND)
async def ticket_records(
    ticket_id: str,
    caller: AuditorDep,
    gateway: GatewayDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> RecordPage:
    """An escalation ticket's records in chronological order."""
    result = await record_page(gateway, caller, AuditFilter(ticket_id=ticket_id), limit, cursor)
    return found(result, cursor)


@router.get(
    "/export",
    responses=RESPONSES | {200: {"content": {"application/x-ndjson": {}}}},
    response_class=StreamingResponse,
)
async def export(
    caller: AuditorDep,
    gateway: GatewayDep,
    since: Since = None,
    until: Until = None,
    session_id: str | None = None,
    ticket_id: str | None = None,
) -> StreamingResponse:
    """Every matching record as JSON Lines, oldest first, streamed page by page."""
    wanted = AuditFilter(since=since, until=until, session_id=session_id, ticket_id=ticket_id)
    first = await page(gateway, caller, wanted, limit=EXPORT_PAGE, after=None)

    async def lines() -> AsyncIterator[bytes]:
        reply = first
        while True:
            yield b"".join(r.model_dump_json().encode() + b"\n" for r in reply.records)
            if reply.next is None:
                return
            # A failure past this point aborts the response: a truncated export never looks whole.
            reply = await page(gateway, caller, wanted, limit=EXPORT_PAGE, after=reply.next)

    return StreamingResponse(lines(), media_type="application/x-ndjson")
