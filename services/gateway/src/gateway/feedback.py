"""Customers' ratings: of an answer once per turn (`answer.rated`), and of a resolved hand-off
once per ticket (`conversation.rated`)."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from contracts import AnswerRated, ConversationRated, Event, utcnow
from contracts.frames import Csat, Feedback
from gateway.models import answer_ratings, csat_scores
from gateway.sessions import ChatSession
from support_core.messaging.outbox import Outbox


class AnswerRatings:
    """Records a rating and its event in one transaction."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def rate(self, session: ChatSession, feedback: Feedback) -> bool:
        """Record the rating; False if the turn was already rated."""
        event = AnswerRated(
            tenant_id=session.tenant_id,
            session_id=session.session_id,
            correlation_id=feedback.turn_id,
            customer_id=session.customer_id,
            rating=feedback.rating,
            comment=feedback.comment,
        )
        row = {"turn_id": feedback.turn_id, "rating": feedback.rating}
        return await self._once(answer_ratings, session, row, event)

    async def score_help(self, session: ChatSession, csat: Csat) -> bool:
        """Record the satisfaction score of a resolved ticket; False if it was already scored."""
        event = ConversationRated(
            tenant_id=session.tenant_id,
            session_id=session.session_id,
            ticket_id=csat.ticket_id,
            customer_id=session.customer_id,
            score=csat.score,
            comment=csat.comment,
        )
        row = {"ticket_id": csat.ticket_id, "score": csat.score}
        return await self._once(csat_scores, session, row, event)

    async def _once(
        self, table: sa.Table, session: ChatSession, row: dict[str, Any], event: Event
    ) -> bool:
        """Store the row and emit the event, unless the row's key is already there."""
        async with self._outbox.unit_of_work() as uow:
            stored = await uow.conn.execute(
                insert(table)
                .values(
                    tenant_id=session.tenant_id,
                    session_id=session.session_id,
                    rated_at=utcnow(),
                    **row,
                )
                .on_conflict_do_nothing()
            )
            if stored.rowcount == 0:
                return False
            uow.emit(event)
        return True
