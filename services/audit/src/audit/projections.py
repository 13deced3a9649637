"""The analytics' read models, kept in step with the records in the same transaction."""

from typing import Any

from sqlalchemy.dialects.postgresql import insert

from audit.models import csat_facts, escalation_facts, rating_facts, turn_facts
from contracts import AnswerRated, ConversationRated, EscalationCreated, Event, TurnCompleted
from support_core.messaging.outbox import UnitOfWork

QUESTION_CHARS = 500


def fact_rows(items: list[tuple[Event, dict[str, Any]]]) -> dict[Any, list[dict[str, Any]]]:
    """Rows of each read model for the events that feed one; texts come from the redacted
    records, never from the events themselves."""
    rows: dict[Any, list[dict[str, Any]]] = {
        turn_facts: [],
        escalation_facts: [],
        rating_facts: [],
        csat_facts: [],
    }
    for event, record in items:
        payload = record["payload"]
        if isinstance(event, TurnCompleted) and event.session_id and event.correlation_id:
            rows[turn_facts].append(
                {
                    "tenant_id": event.tenant_id,
                    "turn_id": event.correlation_id,
                    "session_id": event.session_id,
                    "completed_at": event.completed_at,
                    "question": str(payload.get("user_text", ""))[:QUESTION_CHARS],
                    "handled_by": event.handled_by,
                    "escalated": event.escalated,
                    "cited": len(event.sources),
                    "confidence": event.confidence,
                    "duration_ms": event.timings_ms.get("total"),
                }
            )
        elif isinstance(event, EscalationCreated) and event.session_id:
            rows[escalation_facts].append(
                {
                    "tenant_id": event.tenant_id,
                    "ticket_id": event.ticket_id,
                    "session_id": event.session_id,
                    "turn_id": event.correlation_id,
                    "reasons": event.reasons,
                    "created_at": event.occurred_at,
                }
            )
        elif isinstance(event, AnswerRated) and event.session_id and event.correlation_id:
            rows[rating_facts].append(
                {
                    "tenant_id": event.tenant_id,
                    "turn_id": event.correlation_id,
                    "session_id": event.session_id,
                    "rating": event.rating,
                    "rated_at": event.occurred_at,
                }
            )
        elif isinstance(event, ConversationRated) and event.session_id:
            rows[csat_facts].append(
                {
                    "tenant_id": event.tenant_id,
                    "ticket_id": event.ticket_id,
                    "session_id": event.session_id,
                    "score": event.score,
                    "rated_at": event.occurred_at,
                }
            )
    return rows


async def project(uow: UnitOfWork, items: list[tuple[Event, dict[str, Any]]]) -> None:
    """Add the items' facts (a fact already there stays as it is)."""
    for table, rows in fact_rows(items).items():
        if rows:
            await uow.conn.execute(insert(table).on_conflict_do_nothing(), rows)
