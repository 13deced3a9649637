"""Each client message's turn, kept durably: a retried message never starts a second turn,
even after Redis has lost the gateway's claim.

Revision ID: 20261201_client_messages
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_client_messages"
down_revision = "20261121_initial"
SCHEMA = "orchestrator"


def upgrade() -> None:
    op.create_table(
        "client_messages",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("message_id", sa.String(100), primary_key=True),
        sa.Column("turn_id", sa.String(64), nullable=False),
        sa.Column("answer", sa.JSON),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("client_messages", schema=SCHEMA)
