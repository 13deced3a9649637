"""A remote generator behind its circuit breaker, falling back to the extractive one.

Failing before the first piece (refused, rate-limited, unreachable, too slow, circuit open)
gives the extractive answer instead. A stream that breaks after pieces went out keeps what the
customer already saw, says it was interrupted, and counts as a failure of the provider.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pybreaker
from prometheus_client import CollectorRegistry, Counter

from orchestrator.context import TurnContext
from orchestrator.generators.base import Draft, GenerationInput, Handoff, RemoteGenerator
from orchestrator.generators.extractive import ExtractiveGenerator

log = logging.getLogger(__name__)
INTERRUPTED = " … (the answer was interrupted; ask again or request a human agent)"


class ResilientGenerator:
    """Uses `primary` while it works; `fallback` otherwise."""

    def __init__(
        self,
        primary: RemoteGenerator,
        fallback: ExtractiveGenerator,
        breaker: pybreaker.CircuitBreaker,
        metrics: CollectorRegistry,
        *,
        first_piece_timeout: float,
    ) -> None:
        self.name = primary.name
        self._primary = primary
        self._fallback = fallback
        self._breaker = breaker
        self._timeout = first_piece_timeout
        self._fallbacks = Counter(
            "support_generator_fallbacks",
            "Answers written by the fallback generator, by primary generator",
            ["generator"],
            registry=metrics,
        )

    async def draft(self, given: GenerationInput, context: TurnContext) -> tuple[Draft, str]:
        """An answer and the generator that writes it."""
        if given.handoff_only:  # the hand-off message says it all; no need for the provider
            return await self._fallback.draft(given), self._fallback.name
        try:
            with self._breaker.calling():
                async with asyncio.timeout(self._timeout):
                    draft = await self._primary.draft(given)
                async with asyncio.timeout(self._timeout):
                    first = await anext(draft.pieces)
        except Exception:  # any provider failure, including an open circuit
            self._fallbacks.labels(generator=self.name).inc()
            context.degrade(f"generator:{self.name}")
            return await self._fallback.draft(given), self._fallback.name
        return Draft(self._guarded(first, draft.pieces, context), draft.sources), self.name

    async def summarize(self, handoff: Handoff, timeout: float) -> str | None:
        """The primary's hand-off summary; None when it fails, is slow or its circuit is open
        (the ticket keeps the extractive summary it opened with)."""
        try:
            with self._breaker.calling():
                async with asyncio.timeout(timeout):
                    text = await self._primary.summarize(handoff)
        except Exception:  # any provider failure, including an open circuit
            log.warning("the %s generator wrote no hand-off summary", self.name, exc_info=True)
            return None
        return text.strip() or None

    async def _guarded(
        self, first: str, rest: AsyncIterator[str], context: TurnContext
    ) -> AsyncIterator[str]:
        yield first
        try:
            async for piece in rest:
                yield piece
        except Exception as exc:
            context.degrade(f"generator:{self.name}")
            with contextlib.suppress(Exception), self._breaker.calling():
                raise exc  # record the broken stream against the provider's circuit
            yield INTERRUPTED
