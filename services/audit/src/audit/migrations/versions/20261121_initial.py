"""Inbox, outbox, hash-chained records and chain heads.

Revision ID: 20261121_initial
"""

import sqlalchemy as sa
from alembic import op

from support_core.messaging.store import create_messaging_tables

revision = "20261121_initial"
down_revision = None
SCHEMA = "audit"


def upgrade() -> None:
    create_messaging_tables(op.get_bind(), SCHEMA)
    op.create_table(
        "records",
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
        schema=SCHEMA,
    )
    op.create_index(
        "ix_records_session", "records", ["tenant_id", "session_id", "id"], schema=SCHEMA
    )
    op.create_index("ix_records_ticket", "records", ["tenant_id", "ticket_id"], schema=SCHEMA)
    op.create_index("ix_records_time", "records", ["tenant_id", "occurred_at"], schema=SCHEMA)
    op.create_table(
        "chain_heads",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("last_id", sa.BigInteger, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("chain_heads", "records", "outbox", "inbox"):
        op.drop_table(table, schema=SCHEMA)
