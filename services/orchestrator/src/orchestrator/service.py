"""A customer message becomes a turn: in its session's order, once, through the pipeline.

Once means per event (the inbox) and per client message (its durable claim): a message the
client retried after Redis lost the gateway's record starts no second turn.
"""

import logging

from contracts import ChatMessageReceived
from orchestrator.client_messages import ClientMessages
from orchestrator.context import TurnContext
from orchestrator.ordering import SessionSequencer
from orchestrator.pipeline import CONSUMER, TurnPipeline
from support_core.messaging.outbox import Outbox

log = logging.getLogger(__name__)


class TurnRunner:
    """Orders, de-duplicates and runs turns."""

    def __init__(
        self,
        *,
        pipeline: TurnPipeline,
        sequencer: SessionSequencer,
        outbox: Outbox,
        messages: ClientMessages,
        order_wait: float,
    ) -> None:
        self._pipeline = pipeline
        self._sequencer = sequencer
        self._outbox = outbox
        self._messages = messages
        self._order_wait = order_wait

    async def run(self, message: ChatMessageReceived) -> None:
        """Run the message's turn after the session's earlier ones; a duplicate does nothing."""
        assert message.session_id is not None
        tenant_id, session_id, seq = message.tenant_id, message.session_id, message.session_seq
        in_order = await self._sequencer.wait_turn(
            tenant_id, session_id, seq, wait=self._order_wait
        )
        if not in_order:
            log.warning("turn %s of session %s ran without its predecessor", seq, session_id)
        if not await self._outbox.seen(CONSUMER, message.event_id):
            claim = await self._messages.claim(message)
            if claim.turn_id == message.correlation_id:
                await self._pipeline.run(TurnContext(message))
            elif await self._messages.replay(message, claim):
                log.info("answer of turn %s written again for a retried message", claim.turn_id)
        await self._sequencer.finish_turn(tenant_id, session_id, seq)
