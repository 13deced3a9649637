"""A tenant's escalation policy (the model lives in `contracts`), as stored in its schema."""

import time

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
from support_core.messaging.outbox import Outbox

__all__ = [
    "DEFAULT_PRIORITIES",
    "DEFAULT_SLA_MINUTES",
    "PRIORITY_ORDER",
    "BusinessHours",
    "EscalationPolicy",
    "HumanRequestRule",
    "PolicyCache",
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


class PolicyCache:
    """Tenants' policies as assessments read them: from the database at most every `refresh`
    seconds, and at once after this instance stored a change."""

    def __init__(self, outbox: Outbox, *, refresh: float) -> None:
        self._outbox = outbox
        self._refresh = refresh
        self._held: dict[str, tuple[float, EscalationPolicy]] = {}

    async def get(self, tenant_id: str) -> EscalationPolicy:
        """The tenant's policy, read again once it is older than `refresh`."""
        held = self._held.get(tenant_id)
        if held is not None and time.monotonic() - held[0] < self._refresh:
            return held[1]
        async with self._outbox.autocommit() as conn:
            policy = await load_policy(conn, tenant_id)
        self._held[tenant_id] = (time.monotonic(), policy)
        return policy

    def forget(self, tenant_id: str) -> None:
        """Drop the tenant's policy after a change, so that the next assessment reads it."""
        self._held.pop(tenant_id, None)
