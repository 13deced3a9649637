"""Policies, agents, tickets (one open per session) and session counters.

Revision ID: 20261121_tickets
"""

import sqlalchemy as sa
from alembic import op

revision = "20261121_tickets"
down_revision = "20261121_initial"
SCHEMA = "escalation"


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("policy", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "agents",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("agent_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("available", sa.Boolean, nullable=False),
        sa.Column("max_concurrent", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "tickets",
        sa.Column("ticket_id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolution", sa.Text),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_tickets_one_open_per_session",
        "tickets",
        ["tenant_id", "session_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_index(
        "ix_tickets_queue", "tickets", ["tenant_id", "status", "created_at"], schema=SCHEMA
    )
    op.create_table(
        "session_stats",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("low_confidence_streak", sa.Integer, nullable=False),
        sa.Column("last_turn_id", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("session_stats", "tickets", "agents", "policies"):
        op.drop_table(table, schema=SCHEMA)
