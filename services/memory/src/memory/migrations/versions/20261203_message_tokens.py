"""Each message's length in model tokens, counted once when it is stored.

Revision ID: 20261203_message_tokens
"""

import sqlalchemy as sa
from alembic import op

revision = "20261203_message_tokens"
down_revision = "20261121_history_facts"
SCHEMA = "memory"


def upgrade() -> None:
    op.add_column("messages", sa.Column("tokens", sa.Integer), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("messages", "tokens", schema=SCHEMA)
