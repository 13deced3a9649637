"""The turn: stream an answer to the customer and record the turn."""

from datetime import datetime
from functools import cached_property, partial

from contracts import (
    AnswerCompleted,
    AnswerDelta,
    ChatMessageReceived,
    FramesAppended,
    TurnCompleted,
    utcnow,
)
from contracts.frames import AnswerCompletedFrame, AnswerDeltaFrame, Typing
from orchestrator.models import turns
from support_core.frames import FrameEmitter, ThrottledFrames
from support_core.runtime import ServiceRuntime
from support_core.session_stream import SessionStream

CONSUMER = "orchestrator.turns"
PLACEHOLDER = "Thanks for your message. An assistant answer will appear here: you wrote {text!r}."


def _delta_doorbell(message: ChatMessageReceived, text: str, seq: int) -> AnswerDelta:
    return message.follow(AnswerDelta, seq=seq, text=text)


def split_for_streaming(text: str, *, words_per_piece: int = 4) -> list[str]:
    """Cut an answer into pieces of a few words, keeping the spaces."""
    words = text.split(" ")
    return [
        " ".join(words[i : i + words_per_piece]) + (" " if i + words_per_piece < len(words) else "")
        for i in range(0, len(words), words_per_piece)
    ]


class TurnRunner:
    """Runs one turn per customer message."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime

    @cached_property
    def _emitter(self) -> FrameEmitter:
        return FrameEmitter(
            SessionStream(self._runtime.redis, self._runtime.keys), self._runtime.publisher
        )

    async def run(self, message: ChatMessageReceived) -> None:
        """Stream the answer and commit the turn with its events, once per message."""
        if await self._runtime.outbox.seen(CONSUMER, message.event_id):
            return
        assert message.session_id is not None
        started_at = utcnow()
        turn_id = str(message.correlation_id)
        frames = ThrottledFrames(self._emitter, message.tenant_id, message.session_id)

        def appended(seq: int) -> FramesAppended:
            return message.follow(FramesAppended, seq=seq)

        await frames.send(Typing(turn_id=turn_id, state="on"), appended)
        answer = PLACEHOLDER.format(text=message.text)
        for piece in split_for_streaming(answer):
            delta = AnswerDeltaFrame(turn_id=turn_id, text=piece)
            await frames.send(delta, partial(_delta_doorbell, message, piece))
        await frames.send(Typing(turn_id=turn_id, state="off"), appended)
        completed = message.follow(AnswerCompleted, text=answer, generator="placeholder")
        seq = await frames.finish(
            AnswerCompletedFrame(turn_id=turn_id, text=answer),
            lambda seq: completed.model_copy(update={"seq": seq}),
        )
        await self._record(message, completed.model_copy(update={"seq": seq}), started_at)

    async def _record(
        self, message: ChatMessageReceived, completed: AnswerCompleted, started_at: datetime
    ) -> None:
        completed_at = utcnow()
        async with self._runtime.outbox.unit_of_work(consumer=CONSUMER, event=message) as uow:
            if uow.duplicate:
                return
            await uow.conn.execute(
                turns.insert().values(
                    turn_id=message.correlation_id,
                    tenant_id=message.tenant_id,
                    session_id=message.session_id,
                    generator=completed.generator,
                    degraded=[],
                    started_at=started_at,
                    completed_at=completed_at,
                )
            )
            uow.emit(completed)
            uow.emit(
                message.follow(
                    TurnCompleted,
                    customer_id=message.customer_id,
                    message_id=message.message_id,
                    user_text=message.text,
                    answer_text=completed.text,
                    generator=completed.generator,
                    started_at=started_at,
                    completed_at=completed_at,
                    timings_ms={"total": (completed_at - started_at).total_seconds() * 1000},
                )
            )
