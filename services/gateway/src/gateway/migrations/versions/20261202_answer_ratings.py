"""Customers' ratings of answers, one per turn (the comment travels only in `answer.rated`).

Revision ID: 20261202_answer_ratings
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_answer_ratings"
down_revision = "20261201_kb_audience"
SCHEMA = "gateway"


def upgrade() -> None:
    op.create_table(
        "answer_ratings",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("turn_id", sa.String(100), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("answer_ratings", schema=SCHEMA)
