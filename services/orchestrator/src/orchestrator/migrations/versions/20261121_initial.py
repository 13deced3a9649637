"""Inbox, outbox and turns.

Revision ID: 20261121_initial
"""

import sqlalchemy as sa
from alembic import op

from support_core.messaging.store import create_messaging_tables

revision = "20261121_initial"
down_revision = None
SCHEMA = "orchestrator"


def upgrade() -> None:
    create_messaging_tables(op.get_bind(), SCHEMA)
    op.create_table(
        "turns",
        sa.Column("turn_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("generator", sa.String(40), nullable=False),
        sa.Column("degraded", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_turns_session", "turns", ["tenant_id", "session_id"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("turns", "outbox", "inbox"):
        op.drop_table(table, schema=SCHEMA)
