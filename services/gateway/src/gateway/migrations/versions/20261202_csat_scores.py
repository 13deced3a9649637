"""Customers' 1–5 satisfaction with a resolved hand-off, one per ticket.

Revision ID: 20261202_csat_scores
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_csat_scores"
down_revision = "20261202_answer_ratings"
SCHEMA = "gateway"


def upgrade() -> None:
    op.create_table(
        "csat_scores",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("ticket_id", sa.String(100), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("csat_scores", schema=SCHEMA)
