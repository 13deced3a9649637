"""The registry of indexed documents.

Revision ID: 20261121_documents
"""

import sqlalchemy as sa
from alembic import op

revision = "20261121_documents"
down_revision = "20261121_initial"
SCHEMA = "retrieval"


def upgrade() -> None:
    op.create_table(
        "documents",
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
        schema=SCHEMA,
    )
    op.create_index("ix_documents_expiry", "documents", ["expires_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("documents", schema=SCHEMA)
