"""Escalation application factory."""

import asyncio
from contextlib import AsyncExitStack
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from escalation import handlers
from escalation.classifier import HumanRequestClassifier
from escalation.commands import EscalationCommands
from escalation.handlers import Escalation
from escalation.models import metadata
from escalation.policy import PolicyCache
from escalation.rules import Detectors
from escalation.service import EscalationService
from escalation.settings import EscalationSettings
from support_core.app import service_app
from support_core.runtime import ServiceRuntime
from support_core.session_state import SessionState
from support_core.started import Started
from support_embeddings import Embedder

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: EscalationSettings | None = None) -> FastAPI:
    """Build the escalation service; it connects when the app starts."""
    settings = settings or EscalationSettings()
    runtime = ServiceRuntime(settings, metadata=metadata, migrations=MIGRATIONS)
    handlers.register(runtime, Started(runtime, partial(build, runtime, settings)))
    return service_app(runtime)


async def build(
    runtime: ServiceRuntime, settings: EscalationSettings, stack: AsyncExitStack
) -> Escalation:
    """Load the classifier's model (if enabled), then the detectors, assessment and commands."""
    classifier = None
    if settings.classifier:
        embedder = await asyncio.to_thread(Embedder, settings.embedding)
        stack.callback(embedder.close)
        classifier = await asyncio.to_thread(HumanRequestClassifier, embedder)
    state = SessionState(runtime.redis, runtime.keys, runtime.redis_guard)
    policies = PolicyCache(runtime.outbox, refresh=settings.policy_refresh_seconds)
    service = EscalationService(
        outbox=runtime.outbox,
        state=state,
        detectors=Detectors(classifier),
        policies=policies,
        metrics=runtime.metrics,
    )
    commands = EscalationCommands(outbox=runtime.outbox, state=state, policies=policies)
    return Escalation(service, commands)
