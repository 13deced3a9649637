"""Tables of the audit schema: an append-only, per-tenant hash-chained record of events.

Retention deletes a prefix of a tenant's chain and keeps, in `chain_checkpoints`, the id and
hash of the last record it deleted: verification starts there.
"""

import sqlalchemy as sa

from support_core.messaging.store import messaging_tables

metadata = sa.MetaData(schema="audit")
inbox, outbox = messaging_tables(metadata)

records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("event_type", sa.String(80), nullable=False),
    sa.Column("session_id", sa.String(64)),
    sa.Column("turn_id", sa.String(64)),
    sa.Column("ticket_id", sa.String(64)),
    sa.Column("trace_id", sa.String(32)),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("pii_redacted", sa.Boolean, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

chain_heads = sa.Table(
    "chain_heads",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("last_id", sa.BigInteger, nullable=False),
    sa.Column("last_hash", sa.String(64), nullable=False),
)

chain_checkpoints = sa.Table(
    "chain_checkpoints",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("pruned_through_id", sa.BigInteger, nullable=False),
    sa.Column("pruned_through_hash", sa.String(64), nullable=False),
    sa.Column("pruned_count", sa.BigInteger, nullable=False),
    sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
)

# Read models of the analytics, written in the same transaction as the records they come from.
turn_facts = sa.Table(
    "turn_facts",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("turn_id", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("handled_by", sa.String(16), nullable=False),
    sa.Column("escalated", sa.Boolean, nullable=False),
    sa.Column("cited", sa.Integer, nullable=False),
    sa.Column("confidence", sa.Float),
    sa.Column("duration_ms", sa.Float),
    sa.Index("ix_turn_facts_time", "tenant_id", "completed_at"),
    sa.Index("ix_turn_facts_session", "tenant_id", "session_id", "completed_at"),
)

escalation_facts = sa.Table(
    "escalation_facts",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("ticket_id", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("turn_id", sa.String(64)),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_escalation_facts_session", "tenant_id", "session_id"),
)

rating_facts = sa.Table(
    "rating_facts",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("turn_id", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("rating", sa.String(4), nullable=False),
    sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_rating_facts_session", "tenant_id", "session_id"),
)

csat_facts = sa.Table(
    "csat_facts",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("ticket_id", sa.String(100), primary_key=True),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("score", sa.SmallInteger, nullable=False),
    sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_csat_facts_session", "tenant_id", "session_id"),
)
