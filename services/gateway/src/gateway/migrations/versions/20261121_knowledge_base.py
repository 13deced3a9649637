"""Knowledge-base documents as the gateway sees them (status projection).

Revision ID: 20261121_knowledge_base
"""

import sqlalchemy as sa
from alembic import op

revision = "20261121_knowledge_base"
down_revision = "20261121_initial"
SCHEMA = "gateway"


def upgrade() -> None:
    op.create_table(
        "kb_documents",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("document_id", sa.String(200), primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("source_url", sa.String(2000)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("chunk_count", sa.Integer),
        sa.Column("request_id", sa.Uuid, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_kb_documents_listing",
        "kb_documents",
        ["tenant_id", "session_id", "created_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("kb_documents", schema=SCHEMA)
