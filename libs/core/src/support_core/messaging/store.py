"""Inbox and outbox tables, kept in each service's own schema."""

import sqlalchemy as sa


def messaging_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    """Define the service's `inbox` and `outbox` tables on its metadata."""
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("exchange", sa.String(120), nullable=False),
        sa.Column("routing_key", sa.String(255), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    return inbox, outbox


def create_messaging_tables(bind: sa.Connection, schema: str) -> None:
    """Migration step that creates the inbox and outbox tables in `schema`."""
    metadata = sa.MetaData(schema=schema)
    metadata.create_all(bind, tables=list(messaging_tables(metadata)))
