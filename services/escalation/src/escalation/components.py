"""The escalation service's parts, built when the service starts."""

from escalation.rules import Detectors
from escalation.service import EscalationService
from support_core.runtime import ServiceRuntime
from support_core.session_state import SessionState


class EscalationComponents:
    """The detectors and the service logic."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
        self._service: EscalationService | None = None
        self._detectors = Detectors()
        runtime.on_start(self.start)

    @property
    def service(self) -> EscalationService:
        """The service logic (available once started)."""
        assert self._service is not None, "escalation not started"
        return self._service

    async def start(self) -> None:
        """Build what needs the connected runtime."""
        runtime = self._runtime
        self._service = EscalationService(
            outbox=runtime.outbox,
            state=SessionState(runtime.redis, runtime.keys, runtime.redis_guard),
            detectors=self._detectors,
            metrics=runtime.metrics,
        )
