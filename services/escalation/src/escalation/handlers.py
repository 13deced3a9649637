"""Subscribers of the escalation service."""

from typing import NamedTuple

from contracts import (
    EscalationAssessRequested,
    EscalationCommandRequested,
    EscalationSummaryWritten,
)
from escalation.commands import EscalationCommands
from escalation.service import EscalationService
from support_core.runtime import ServiceRuntime
from support_core.started import Started


class Escalation(NamedTuple):
    """What the consumers call: the hand-off assessment and the staff's commands."""

    service: EscalationService
    commands: EscalationCommands


def register(runtime: ServiceRuntime, escalation: Started[Escalation]) -> None:
    """Attach the escalation consumers to the broker."""

    @runtime.consumer(EscalationAssessRequested)
    async def on_assess(request: EscalationAssessRequested) -> None:
        await runtime.publisher.reply(request, await escalation.get().service.assess(request))

    @runtime.consumer(EscalationCommandRequested)
    async def on_command(request: EscalationCommandRequested) -> None:
        await runtime.publisher.reply(request, await escalation.get().commands.run(request))

    @runtime.consumer(EscalationSummaryWritten)
    async def on_summary(written: EscalationSummaryWritten) -> None:
        await escalation.get().service.rewrite_summary(written)
