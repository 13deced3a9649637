"""Subscribers of the escalation service."""

from contracts import EscalationAssessRequested, EscalationCommandRequested
from escalation.components import EscalationComponents
from support_core.runtime import ServiceRuntime


def register(runtime: ServiceRuntime, parts: EscalationComponents) -> None:
    """Attach the escalation consumers to the broker."""

    @runtime.consumer(EscalationAssessRequested)
    async def on_assess(request: EscalationAssessRequested) -> None:
        await runtime.publisher.reply(request, await parts.service.assess(request))

    @runtime.consumer(EscalationCommandRequested)
    async def on_command(request: EscalationCommandRequested) -> None:
        await runtime.publisher.reply(request, await parts.commands.run(request))
