"""Each client message's turn, recorded in PostgreSQL when the turn starts.

The gateway recognises a retried `client_message_id` in Redis; after Redis has lost its data
the retry arrives as a new turn. The first turn to claim the message here owns it: a later
turn for the same message starts nothing, and if the owner's answer was lost with the session
stream, its frames are written again (the `ack` tells the client which turn answers).
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts import ChatMessageReceived, FramesAppended, utcnow
from contracts.frames import Ack, AnswerCompletedFrame
from orchestrator.models import client_messages
from support_core.frames import FrameEmitter


@dataclass(frozen=True)
class Claim:
    """The turn that owns a client message, and its answer once recorded."""

    turn_id: str
    answer: dict[str, Any] | None


def _key(message: ChatMessageReceived) -> tuple[Any, ...]:
    return (
        client_messages.c.tenant_id == message.tenant_id,
        client_messages.c.session_id == message.session_id,
        client_messages.c.message_id == message.message_id,
    )


class ClientMessages:
    """Claims client messages for turns and replays lost answers."""

    def __init__(self, engine: AsyncEngine, emitter: FrameEmitter) -> None:
        self._engine = engine
        self._emitter = emitter

    async def claim(self, message: ChatMessageReceived) -> Claim:
        """The message's owner: this turn if no other turn claimed the message first."""
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(client_messages)
                .values(
                    tenant_id=message.tenant_id,
                    session_id=message.session_id,
                    message_id=message.message_id,
                    turn_id=message.correlation_id,
                    claimed_at=utcnow(),
                )
                .on_conflict_do_nothing()
            )
            row = (
                await conn.execute(
                    sa.select(client_messages.c.turn_id, client_messages.c.answer).where(
                        *_key(message)
                    )
                )
            ).one()
        return Claim(row.turn_id, row.answer)

    @staticmethod
    async def record(
        conn: AsyncConnection, message: ChatMessageReceived, answer: AnswerCompletedFrame | None
    ) -> None:
        """Keep the turn's answer with its claim (in the turn's own transaction)."""
        await conn.execute(
            client_messages.update()
            .where(*_key(message))
            .values(answer=answer.model_dump(mode="json", exclude={"seq"}) if answer else None)
        )

    async def replay(self, message: ChatMessageReceived, claim: Claim) -> bool:
        """Write the owner's answer again if the session stream no longer has it."""
        if claim.answer is None:
            return False  # still being answered, or handed to an agent: nothing to repeat
        tenant_id, session_id = message.tenant_id, str(message.session_id)
        stream = self._emitter.stream
        if await stream.has_frame(tenant_id, session_id, "answer_completed", turn_id=claim.turn_id):
            return False
        frames = [
            Ack(client_message_id=message.message_id, turn_id=claim.turn_id),
            AnswerCompletedFrame.model_validate(claim.answer),
        ]
        appended = await stream.append(tenant_id, session_id, *frames)
        if appended is None:
            await self._emitter.deliver_inline(
                tenant_id, session_id, list(frames), message.gateway_instance
            )
            return True
        doorbell = message.follow(FramesAppended, seq=appended.seq)
        await self._emitter.ring(tenant_id, session_id, appended, doorbell)
        return True
