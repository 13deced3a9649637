"""Tell the customer when a human takes the conversation over and when it goes back to the
assistant (ticket lifecycle events become `escalated` frames on the session's stream), and the
agents' consoles whenever a ticket is opened, assigned, resolved or given its written summary."""

from contracts import (
    EscalationAssigned,
    EscalationCreated,
    EscalationResolved,
    EscalationUpdated,
    FramesAppended,
)
from contracts.frames import Escalated
from gateway.service import Gateway

CONSUMER = "gateway.handoff-frames"
BACK_TO_ASSISTANT = "Our team has closed this conversation; the assistant will answer you again."


def register(gateway: Gateway) -> None:
    """Consume ticket lifecycle events (one gateway instance handles each)."""
    runtime = gateway.runtime

    async def tell_consoles(
        event: EscalationCreated | EscalationAssigned | EscalationResolved | EscalationUpdated,
        status: str | None,
    ) -> None:
        await gateway.feed.tell(
            event.tenant_id,
            type="ticket",
            ticket_id=event.ticket_id,
            session_id=event.session_id,
            status=status,
        )

    @runtime.consumer(EscalationCreated)
    async def on_created(event: EscalationCreated) -> None:
        await tell_consoles(event, "open")

    @runtime.consumer(EscalationUpdated)
    async def on_summary(event: EscalationUpdated) -> None:
        await tell_consoles(event, None)

    async def announce(event: EscalationAssigned | EscalationResolved, frame: Escalated) -> None:
        assert event.session_id is not None
        session_id = event.session_id
        async with runtime.outbox.unit_of_work(consumer=CONSUMER, event=event) as uow:
            if uow.duplicate:
                return
            await gateway.frames.emit(
                event.tenant_id,
                session_id,
                frame,
                lambda seq: FramesAppended(
                    tenant_id=event.tenant_id, session_id=session_id, seq=seq
                ),
            )

    @runtime.consumer(EscalationAssigned)
    async def on_assigned(event: EscalationAssigned) -> None:
        await tell_consoles(event, "assigned")
        if event.correlation_id is not None:
            return  # assigned during a turn: that turn's own `escalated` frame said so
        who = event.agent_name or "A member of our team"
        await announce(
            event,
            Escalated(
                ticket_id=event.ticket_id,
                reason="assigned",
                message=f"{who} has joined the conversation and will reply here.",
                state="assigned",
            ),
        )

    @runtime.consumer(EscalationResolved)
    async def on_resolved(event: EscalationResolved) -> None:
        await tell_consoles(event, "resolved")
        await announce(
            event,
            Escalated(
                ticket_id=event.ticket_id,
                reason="resolved",
                message=BACK_TO_ASSISTANT,
                state="resolved",
            ),
        )
