"""Knowledge-base documents carry their audience (customer or internal).

Revision ID: 20261201_kb_audience
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_kb_audience"
down_revision = "20261121_knowledge_base"
SCHEMA = "gateway"


def upgrade() -> None:
    op.add_column(
        "kb_documents",
        sa.Column("audience", sa.String(16), nullable=False, server_default="customer"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_kb_documents_audience",
        "kb_documents",
        ["tenant_id", "audience"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("ix_kb_documents_audience", "kb_documents", schema=SCHEMA)
    op.drop_column("kb_documents", "audience", schema=SCHEMA)
