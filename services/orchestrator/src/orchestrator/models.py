"""Tables of the orchestrator schema."""

import sqlalchemy as sa

from support_core.messaging.store import messaging_tables

metadata = sa.MetaData(schema="orchestrator")
inbox, outbox = messaging_tables(metadata)

turns = sa.Table(
    "turns",
    metadata,
    sa.Column("turn_id", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("generator", sa.String(40), nullable=False),
    sa.Column("degraded", sa.JSON, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
)

client_messages = sa.Table(
    "client_messages",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(64), primary_key=True),
    sa.Column("message_id", sa.String(100), primary_key=True),
    sa.Column("turn_id", sa.String(64), nullable=False),
    sa.Column("answer", sa.JSON),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
)
