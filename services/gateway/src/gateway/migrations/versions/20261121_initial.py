"""Inbox, outbox, tenants and their hashed keys.

Revision ID: 20261121_initial
"""

import sqlalchemy as sa
from alembic import op

from support_core.messaging.store import create_messaging_tables

revision = "20261121_initial"
down_revision = None
SCHEMA = "gateway"


def upgrade() -> None:
    create_messaging_tables(op.get_bind(), SCHEMA)
    op.create_table(
        "tenants",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "api_keys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column(
            "tenant_id",
            sa.String(64),
            sa.ForeignKey(f"{SCHEMA}.tenants.tenant_id"),
            nullable=False,
        ),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("api_keys", "tenants", "outbox", "inbox"):
        op.drop_table(table, schema=SCHEMA)
