"""Indexes in query order and the retention checkpoint of each tenant's chain.

Revision ID: 20261122_queries_retention
"""

import sqlalchemy as sa
from alembic import op

revision = "20261122_queries_retention"
down_revision = "20261121_initial"
SCHEMA = "audit"
INDEXES = {
    "ix_records_session": ["tenant_id", "session_id", "occurred_at", "id"],
    "ix_records_ticket": ["tenant_id", "ticket_id", "occurred_at", "id"],
    "ix_records_time": ["tenant_id", "occurred_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, "records", schema=SCHEMA)
        op.create_index(name, "records", columns, schema=SCHEMA)
    op.create_index("ix_records_chain", "records", ["tenant_id", "id"], schema=SCHEMA)
    op.create_table(
        "chain_checkpoints",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("pruned_through_id", sa.BigInteger, nullable=False),
        sa.Column("pruned_through_hash", sa.String(64), nullable=False),
        sa.Column("pruned_count", sa.BigInteger, nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("chain_checkpoints", schema=SCHEMA)
    op.drop_index("ix_records_chain", "records", schema=SCHEMA)
    old = {
        "ix_records_session": ["tenant_id", "session_id", "id"],
        "ix_records_ticket": ["tenant_id", "ticket_id"],
        "ix_records_time": ["tenant_id", "occurred_at"],
    }
    for name, columns in old.items():
        op.drop_index(name, "records", schema=SCHEMA)
        op.create_index(name, "records", columns, schema=SCHEMA)
