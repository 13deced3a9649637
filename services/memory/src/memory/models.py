"""Tables of the memory schema: conversation history and customer facts."""

import sqlalchemy as sa

from support_core.messaging.store import messaging_tables

metadata = sa.MetaData(schema="memory")
inbox, outbox = messaging_tables(metadata)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(128)),
    sa.Column("turn_id", sa.String(64)),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    # Counted when stored, so that recalling a long history does not tokenise it every turn.
    sa.Column("tokens", sa.Integer),
)

facts = sa.Table(
    "facts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(128), nullable=False),
    sa.Column("fact_type", sa.String(40), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("importance", sa.Float, nullable=False),
    sa.Column("embedding", sa.LargeBinary, nullable=False),
    sa.Column("session_id", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_accessed_at", sa.DateTime(timezone=True)),
    sa.Column("access_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint(
        "tenant_id", "customer_id", "fact_type", "content_hash", name="uq_facts_identity"
    ),
)
