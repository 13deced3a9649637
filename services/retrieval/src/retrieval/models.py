"""Tables of the retrieval schema: the registry of indexed documents."""

import sqlalchemy as sa

from support_core.messaging.store import messaging_tables

metadata = sa.MetaData(schema="retrieval")
inbox, outbox = messaging_tables(metadata)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(64), primary_key=True),
    sa.Column("document_id", sa.String(200), primary_key=True),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("chunk_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("chunk_ids", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
