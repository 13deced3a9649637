"""Customers' ratings of answers: stored once per turn, published as `answer.rated`."""

from sqlalchemy.dialects.postgresql import insert

from contracts import AnswerRated, utcnow
from contracts.frames import Feedback
from gateway.models import answer_ratings
from gateway.sessions import ChatSession
from support_core.messaging.outbox import Outbox


class AnswerRatings:
    """Records a rating and its event in one transaction."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def rate(self, session: ChatSession, feedback: Feedback) -> bool:
        """Record the rating; False if the turn was already rated."""
        async with self._outbox.unit_of_work() as uow:
            stored = await uow.conn.execute(
                insert(answer_ratings)
                .values(
                    tenant_id=session.tenant_id,
                    turn_id=feedback.turn_id,
                    session_id=session.session_id,
                    rating=feedback.rating,
                    rated_at=utcnow(),
                )
                .on_conflict_do_nothing()
            )
            if stored.rowcount == 0:
                return False
            uow.emit(
                AnswerRated(
                    tenant_id=session.tenant_id,
                    session_id=session.session_id,
                    correlation_id=feedback.turn_id,
                    customer_id=session.customer_id,
                    rating=feedback.rating,
                    comment=feedback.comment,
                )
            )
        return True
