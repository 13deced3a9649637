"""Frustration counted per session like unsupported answers; tickets keep staff guidance.

Revision ID: 20261201_signals_guidance
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_signals_guidance"
down_revision = "20261121_tickets"
SCHEMA = "escalation"


def upgrade() -> None:
    op.add_column(
        "session_stats",
        sa.Column("frustration_streak", sa.Integer, nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    op.add_column(
        "tickets",
        sa.Column("guidance", sa.JSON, nullable=False, server_default="[]"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("tickets", "guidance", schema=SCHEMA)
    op.drop_column("session_stats", "frustration_streak", schema=SCHEMA)
