"""Read models of the support-team analytics, filled from the records already kept.

Revision ID: 20261202_analytics
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_analytics"
down_revision = "20261122_queries_retention"
SCHEMA = "audit"
BACKFILL = (
    """
    INSERT INTO audit.turn_facts
    SELECT tenant_id, turn_id, session_id, (payload->>'completed_at')::timestamptz,
           left(coalesce(payload->>'user_text', ''), 500),
           coalesce(payload->>'handled_by', 'assistant'),
           coalesce((payload->>'escalated')::boolean, false),
           json_array_length(coalesce(payload->'sources', '[]'::json)),
           (payload->>'confidence')::float, (payload->'timings_ms'->>'total')::float
    FROM audit.records
    WHERE event_type = 'turn.completed' AND turn_id IS NOT NULL AND session_id IS NOT NULL
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO audit.escalation_facts
    SELECT tenant_id, ticket_id, session_id, turn_id, coalesce(payload->'reasons', '[]'::json),
           occurred_at
    FROM audit.records
    WHERE event_type = 'escalation.created' AND ticket_id IS NOT NULL AND session_id IS NOT NULL
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO audit.csat_facts
    SELECT tenant_id, ticket_id, session_id, (payload->>'score')::smallint, occurred_at
    FROM audit.records
    WHERE event_type = 'conversation.rated' AND ticket_id IS NOT NULL AND session_id IS NOT NULL
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO audit.rating_facts
    SELECT tenant_id, turn_id, session_id, payload->>'rating', occurred_at
    FROM audit.records
    WHERE event_type = 'answer.rated' AND turn_id IS NOT NULL AND session_id IS NOT NULL
    ON CONFLICT DO NOTHING
    """,
)


def upgrade() -> None:
    op.create_table(
        "turn_facts",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("turn_id", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("handled_by", sa.String(16), nullable=False),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("cited", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float),
        sa.Column("duration_ms", sa.Float),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_turn_facts_time", "turn_facts", ["tenant_id", "completed_at"], schema=SCHEMA
    )
    op.create_index(
        "ix_turn_facts_session",
        "turn_facts",
        ["tenant_id", "session_id", "completed_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "escalation_facts",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("ticket_id", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("turn_id", sa.String(64)),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_escalation_facts_session",
        "escalation_facts",
        ["tenant_id", "session_id"],
        schema=SCHEMA,
    )
    op.create_table(
        "rating_facts",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("turn_id", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("rating", sa.String(4), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_rating_facts_session", "rating_facts", ["tenant_id", "session_id"], schema=SCHEMA
    )
    op.create_table(
        "csat_facts",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("ticket_id", sa.String(100), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_csat_facts_session", "csat_facts", ["tenant_id", "session_id"], schema=SCHEMA
    )
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    for table in ("csat_facts", "rating_facts", "escalation_facts", "turn_facts"):
        op.drop_table(table, schema=SCHEMA)
