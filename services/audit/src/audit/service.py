"""Recording events in the append-only, hash-chained audit store."""

from collections import defaultdict
from datetime import UTC
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.analytics import summary
from audit.chain import GENESIS, record_hash
from audit.gaps import gaps
from audit.models import chain_heads, records
from audit.projections import project
from audit.queries import query_records
from audit.verify import verify_chain
from contracts import (
    AuditGapsCompleted,
    AuditGapsRequested,
    AuditQueryCompleted,
    AuditQueryRequested,
    AuditSummaryCompleted,
    AuditSummaryRequested,
    AuditVerifyCompleted,
    AuditVerifyRequested,
    Event,
    UnknownEventType,
    parse_event,
    utcnow,
)
from support_core.messaging.group_commit import GroupCommit
from support_core.messaging.outbox import Outbox, UnitOfWork
from support_core.observability.tracing import current_trace_id
from support_core.redaction import default_redactor

CONSUMER = "audit.records"
# Uploaded files and vectors: bulky, and nothing an auditor reads.
OMITTED_FIELDS = frozenset({"content_b64", "embedding"})
# Identifiers and times the platform generates: kept as they are, everything else is redacted.
MACHINE_FIELDS = frozenset(
    {
        "event_id",
        "event_type",
        "schema_version",
        "occurred_at",
        "tenant_id",
        "session_id",
        "correlation_id",
        "causation_id",
        "reply_to",
        "ticket_id",
        "document_id",
        "chunk_id",
        "trace_id",
        "content_hash",
        "started_at",
        "completed_at",
        "sla_due_at",
    }
)
# Auditors' own requests to the audit service are answered, not recorded.
UNRECORDED_PREFIX = "audit."
Draft = dict[str, Any]


def decode(body: bytes) -> tuple[Event, dict[str, Any]]:
    """Parse an event of any type, known or newer than us, keeping its payload as sent."""
    raw = orjson.loads(body)
    try:
        event = parse_event(raw)
    except UnknownEventType:
        event = Event.model_validate(raw)
    return event, {key: value for key, value in raw.items() if key not in OMITTED_FIELDS}


def redact(payload: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The payload with personal data in every text field replaced, and whether any was."""
    redacted, found = default_redactor().redact_value(payload, keep=MACHINE_FIELDS)
    return redacted, found > 0


def draft(event: Event, payload: dict[str, Any]) -> Draft:
    """The record of an event with its payload redacted, before it is chained."""
    payload, pii_redacted = redact(payload)
    return {
        "tenant_id": event.tenant_id,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "session_id": event.session_id,
        "turn_id": event.correlation_id,
        "ticket_id": payload.get("ticket_id"),
        "trace_id": current_trace_id(),
        # In UTC, as read back from the database, so the hash can be recomputed.
        "occurred_at": event.occurred_at.astimezone(UTC),
        "payload": payload,
        "pii_redacted": pii_redacted,
    }


async def append_chained(uow: UnitOfWork, items: list[tuple[Event, Draft]]) -> None:
    """Chain the drafts after each tenant's head (locked for the transaction) and store them."""
    by_tenant: defaultdict[str, list[Draft]] = defaultdict(list)
    for event, record in items:
        by_tenant[event.tenant_id].append(record)
    recorded_at = utcnow()
    for tenant_id, drafts in sorted(by_tenant.items()):
        head = (
            await uow.conn.execute(
                insert(chain_heads)
                .values(tenant_id=tenant_id, last_id=0, last_hash=GENESIS)
                .on_conflict_do_update(
                    index_elements=[chain_heads.c.tenant_id],
                    set_={"tenant_id": chain_heads.c.tenant_id},
                )
                .returning(chain_heads.c.last_hash)
            )
        ).scalar_one()
        rows = []
        for record in drafts:
            digest = record_hash(head, record)
            rows.append(record | {"recorded_at": recorded_at, "prev_hash": head, "hash": digest})
            head = digest
        ids = (await uow.conn.execute(records.insert().returning(records.c.id), rows)).scalars()
        await uow.conn.execute(
            chain_heads.update()
            .where(chain_heads.c.tenant_id == tenant_id)
            .values(last_id=max(ids), last_hash=head)
        )


async def record_and_project(uow: UnitOfWork, items: list[tuple[Event, Draft]]) -> None:
    """Chain the records and keep the analytics' read models in the same transaction."""
    await append_chained(uow, items)
    await project(uow, items)


class AuditTrail:
    """Appends one record per event, chained to the tenant's previous record; answers auditors'
    queries and chain checks, and admins' analytics."""

    def __init__(self, outbox: Outbox, engine: AsyncEngine, metrics: CollectorRegistry) -> None:
        self._engine = engine
        self._writer = GroupCommit(outbox, consumer=CONSUMER, write=record_and_project)
        self._recorded = Counter(
            "support_audit_records",
            "Events recorded in the audit trail",
            ["event_type"],
            registry=metrics,
        )

    async def write_forever(self) -> None:
        """Commit submitted records in groups."""
        await self._writer.run_forever()

    async def record(self, body: bytes) -> None:
        """Store the event once, however often it is delivered; return after the commit."""
        event, payload = decode(body)
        if event.event_type.startswith(UNRECORDED_PREFIX):
            return
        await self._writer.submit(event, draft(event, payload))
        self._recorded.labels(event_type=event.event_type).inc()

    async def query(self, request: AuditQueryRequested) -> AuditQueryCompleted:
        """The records matching an auditor's filters."""
        return await query_records(self._engine, request)

    async def verify(self, request: AuditVerifyRequested) -> AuditVerifyCompleted:
        """Whether a tenant's chain is intact."""
        return await verify_chain(self._engine, request)

    async def summary(self, request: AuditSummaryRequested) -> AuditSummaryCompleted:
        """Resolution analytics over a time range."""
        return await summary(self._engine, request)

    async def gaps(self, request: AuditGapsRequested) -> AuditGapsCompleted:
        """The questions the knowledge base could not answer, grouped."""
        return await gaps(self._engine, request)
