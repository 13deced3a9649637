"""The orchestrator's parts, built when the service starts."""

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from orchestrator.breakers import BreakerRegistry
from orchestrator.builtin_tools import EscalationAssessTool, KnowledgeSearchTool, MemoryRecallTool
from orchestrator.client_messages import ClientMessages
from orchestrator.crm import CrmLookupTool
from orchestrator.generators.anthropic_messages import AnthropicGenerator
from orchestrator.generators.extractive import ExtractiveGenerator
from orchestrator.generators.openai_chat import OpenAIChatGenerator
from orchestrator.generators.resilient import ResilientGenerator
from orchestrator.ordering import SessionSequencer
from orchestrator.pipeline import TurnMetrics, TurnPipeline
from orchestrator.service import TurnRunner
from orchestrator.settings import OrchestratorSettings
from orchestrator.tools import ToolRegistry, ToolRunner
from support_core.frames import FrameEmitter
from support_core.observability.health import ReadinessCheck
from support_core.runtime import ServiceRuntime
from support_core.session_state import SessionState
from support_core.session_stream import SessionStream
from support_embeddings import Embedder


class OrchestratorComponents:
    """Tools, breakers, generators and the pipeline."""

    def __init__(self, runtime: ServiceRuntime, settings: OrchestratorSettings) -> None:
        self._runtime = runtime
        self._settings = settings
        self._runner: TurnRunner | None = None
        self._breakers: BreakerRegistry | None = None
        self._embedder: Embedder | None = None
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self._metrics = TurnMetrics(runtime.metrics)
        runtime.on_start(self.start)
        runtime.on_stop(self.stop)

    @property
    def runner(self) -> TurnRunner:
        """Runs turns (available once started)."""
        assert self._runner is not None, "orchestrator not started"
        return self._runner

    async def start(self) -> None:
        """Build everything that needs the connected runtime."""
        runtime, settings = self._runtime, self._settings
        breakers = self._breakers = BreakerRegistry(
            runtime.redis,
            runtime.keys,
            runtime.redis_guard,
            runtime.metrics,
            fail_max=settings.breaker.fail_max,
            reset_timeout=settings.breaker.reset_timeout,
        )
        runtime.background(breakers.sync_forever())
        runtime.extra_checks.append(ReadinessCheck("circuits", breakers.check, critical=False))
        timeouts = settings.timeouts
        tools = ToolRegistry(settings.tools)
        tools.register(MemoryRecallTool(runtime.instance, timeouts.memory))
        tools.register(
            KnowledgeSearchTool(
                runtime.instance, timeouts.retrieval, settings.top_k, settings.guidance_top_k
            )
        )
        tools.register(EscalationAssessTool(runtime.instance, timeouts.escalation))
        if "crm" in settings.tools:
            crm = settings.crm
            client = httpx.AsyncClient(
                base_url=crm.url,
                timeout=timeouts.crm / crm.attempts,
                headers={"Authorization": f"Bearer {crm.api_key.get_secret_value()}"},
            )
            self._closers.append(client.aclose)
            tools.register(CrmLookupTool(client, crm.attempts, crm.backoff_seconds, timeouts.crm))
        extractive = ExtractiveGenerator(min_confidence=settings.min_confidence)
        embedder = self._embedder = (
            await asyncio.to_thread(Embedder, settings.embedding)
            if settings.share_embedding
            else None
        )
        state = SessionState(runtime.redis, runtime.keys, runtime.redis_guard)
        emitter = FrameEmitter(
            SessionStream(runtime.redis, runtime.keys, runtime.redis_guard), runtime.publisher
        )
        pipeline = TurnPipeline(
            state=state,
            tools=tools,
            runner=ToolRunner(breakers, runtime.tracer, runtime.metrics),
            generator=self._generator(extractive, breakers),
            emitter=emitter,
            outbox=runtime.outbox,
            tracer=runtime.tracer,
            metrics=self._metrics,
            embedder=embedder,
        )
        self._runner = TurnRunner(
            pipeline=pipeline,
            sequencer=SessionSequencer(runtime.redis, runtime.keys, runtime.redis_guard),
            outbox=runtime.outbox,
            messages=ClientMessages(runtime.engine, emitter),
            order_wait=timeouts.order_wait,
        )

    def _generator(
        self, extractive: ExtractiveGenerator, breakers: BreakerRegistry
    ) -> ExtractiveGenerator | ResilientGenerator:
        settings = self._settings
        timeouts = settings.timeouts
        policy, budget, timeout = settings.policy, settings.prompt_token_budget, timeouts.generation
        primary: OpenAIChatGenerator | AnthropicGenerator
        if settings.generator == "openai":
            primary = OpenAIChatGenerator(
                settings.openai, policy=policy, budget=budget, timeout=timeout
            )
        elif settings.generator == "anthropic":
            primary = AnthropicGenerator(
                settings.anthropic, policy=policy, budget=budget, timeout=timeout
            )
        else:
            return extractive
        self._closers.append(primary.close)
        return ResilientGenerator(
            primary,
            extractive,
            breakers.get(f"generator:{primary.name}"),
            self._runtime.metrics,
            first_piece_timeout=timeouts.first_token,
        )

    async def stop(self) -> None:
        """Close HTTP clients and the embedding worker."""
        for close in self._closers:
            await close()
        if self._embedder is not None:
            self._embedder.close()
