"""The escalation service's parts, built when the service starts."""

import asyncio

from escalation.classifier import HumanRequestClassifier
from escalation.commands import EscalationCommands
from escalation.rules import Detectors
from escalation.service import EscalationService
from escalation.settings import EscalationSettings
from support_core.runtime import ServiceRuntime
from support_core.session_state import SessionState
from support_embeddings import Embedder


class EscalationComponents:
    """The detectors, the assessment logic and the commands."""

    def __init__(self, runtime: ServiceRuntime, settings: EscalationSettings) -> None:
        self._runtime = runtime
        self._settings = settings
        self._embedder: Embedder | None = None
        self._service: EscalationService | None = None
        self._commands: EscalationCommands | None = None
        runtime.on_start(self.start)
        runtime.on_stop(self.stop)

    @property
    def service(self) -> EscalationService:
        """The assessment logic (available once started)."""
        assert self._service is not None, "escalation not started"
        return self._service

    @property
    def commands(self) -> EscalationCommands:
        """Agents' and admins' commands (available once started)."""
        assert self._commands is not None, "escalation not started"
        return self._commands

    async def start(self) -> None:
        """Load the classifier's model and build what needs the connected runtime."""
        runtime = self._runtime
        classifier = None
        if self._settings.classifier:
            self._embedder = await asyncio.to_thread(Embedder, self._settings.embedding)
            classifier = await asyncio.to_thread(HumanRequestClassifier, self._embedder)
        state = SessionState(runtime.redis, runtime.keys, runtime.redis_guard)
        self._service = EscalationService(
            outbox=runtime.outbox,
            state=state,
            detectors=Detectors(classifier),
            metrics=runtime.metrics,
        )
        self._commands = EscalationCommands(outbox=runtime.outbox, state=state)

    async def stop(self) -> None:
        """Stop the embedder's worker."""
        if self._embedder is not None:
            self._embedder.close()
