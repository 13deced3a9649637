"""A tenant's escalation policy (the model lives in `contracts`), as stored in its schema."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.escalation import (
    DEFAULT_PRIORITIES,
    DEFAULT_SLA_MINUTES,
    PRIORITY_ORDER,
    BusinessHours,
    EscalationPolicy,
    HumanRequestRule,
    LowConfidenceRule,
    Priority,
    SensitiveTopicsRule,
    SentimentRule,
    TurnLimitRule,
)
from escalation.models import policies

__all__ = [
    "DEFAULT_PRIORITIES",
    "DEFAULT_SLA_MINUTES",
    "PRIORITY_ORDER",
    "BusinessHours",
    "EscalationPolicy",
    "HumanRequestRule",
    "LowConfidenceRule",
    "Priority",
    "SensitiveTopicsRule",
    "SentimentRule",
    "TurnLimitRule",
    "load_policy",
]


async def load_policy(conn: AsyncConnection, tenant_id: str) -> EscalationPolicy:
    """The tenant's stored policy, or the defaults."""
    stored = (
        await conn.execute(sa.select(policies.c.policy).where(policies.c.tenant_id == tenant_id))
    ).scalar_one_or_none()
    return EscalationPolicy.model_validate(stored) if stored else EscalationPolicy()
