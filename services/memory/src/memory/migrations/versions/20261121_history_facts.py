"""Conversation history and customer facts.

Revision ID: 20261121_history_facts
"""

import sqlalchemy as sa
from alembic import op

revision = "20261121_history_facts"
down_revision = "20261121_initial"
SCHEMA = "memory"


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128)),
        sa.Column("turn_id", sa.String(64)),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_messages_session", "messages", ["tenant_id", "session_id", "at", "id"], schema=SCHEMA
    )
    op.create_index("ix_messages_customer", "messages", ["tenant_id", "customer_id"], schema=SCHEMA)
    op.create_table(
        "facts",
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
        schema=SCHEMA,
    )
    op.create_index("ix_facts_customer", "facts", ["tenant_id", "customer_id"], schema=SCHEMA)
    op.create_index("ix_facts_expiry", "facts", ["expires_at"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("facts", "messages"):
        op.drop_table(table, schema=SCHEMA)
