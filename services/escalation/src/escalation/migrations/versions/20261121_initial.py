"""Inbox and outbox.

Revision ID: 20261121_initial
"""

from alembic import op

from support_core.messaging.store import create_messaging_tables

revision = "20261121_initial"
down_revision = None
SCHEMA = "escalation"


def upgrade() -> None:
    create_messaging_tables(op.get_bind(), SCHEMA)


def downgrade() -> None:
    for table in ("outbox", "inbox"):
        op.drop_table(table, schema=SCHEMA)
