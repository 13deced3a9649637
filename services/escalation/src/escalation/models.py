"""Tables of the escalation schema: policies, agents, tickets and per-session counters."""

import sqlalchemy as sa

from support_core.messaging.store import messaging_tables

metadata = sa.MetaData(schema="escalation")
inbox, outbox = messaging_tables(metadata)

policies = sa.Table(
    "policies",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("policy", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("agent_id", sa.String(128), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("available", sa.Boolean, nullable=False),
    sa.Column("max_concurrent", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

tickets = sa.Table(
    "tickets",
    metadata,
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
    sa.Column("guidance", sa.JSON, nullable=False, server_default="[]"),
    sa.Index(
        "uq_tickets_one_open_per_session",
        "tenant_id",
        "session_id",
        unique=True,
        postgresql_where=sa.text("status <> 'resolved'"),
    ),
)

session_stats = sa.Table(
    "session_stats",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(64), primary_key=True),
    sa.Column("low_confidence_streak", sa.Integer, nullable=False),
    sa.Column("frustration_streak", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_turn_id", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
