"""Orchestrator application factory."""

import asyncio
from contextlib import AsyncExitStack
from functools import partial
from pathlib import Path

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from orchestrator import handlers
from orchestrator.breakers import BreakerRegistry
from orchestrator.builtin_tools import EscalationAssessTool, KnowledgeSearchTool, MemoryRecallTool
from orchestrator.client_messages import ClientMessages
from orchestrator.crm import CrmLookupTool
from orchestrator.generators.anthropic_messages import AnthropicGenerator
from orchestrator.generators.extractive import ExtractiveGenerator
from orchestrator.generators.openai_chat import OpenAIChatGenerator
from orchestrator.generators.resilient import ResilientGenerator
from orchestrator.models import metadata
from orchestrator.ordering import SessionSequencer
from orchestrator.pipeline import TurnMetrics, TurnPipeline
from orchestrator.service import TurnRunner
from orchestrator.settings import OrchestratorSettings
from orchestrator.tools import ToolRegistry, ToolRunner
from support_core.app import service_app
from support_core.frames import FrameEmitter
from support_core.observability.health import ReadinessCheck
from support_core.runtime import ServiceRuntime
from support_core.session_state import SessionState
from support_core.session_stream import SessionStream
from support_core.started import Started
from support_embeddings import Embedder

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: OrchestratorSettings | None = None) -> FastAPI:
    """Build the orchestrator; it connects when the app starts."""
    settings = settings or OrchestratorSettings()
    runtime = ServiceRuntime(
        settings, metadata=metadata, migrations=MIGRATIONS, instance_route=True
    )
    handlers.register(runtime, Started(runtime, partial(build, runtime, settings)))
    return service_app(runtime)


async def build(
    runtime: ServiceRuntime, settings: OrchestratorSettings, stack: AsyncExitStack
) -> TurnRunner:
    """Tools, breakers, generators and the pipeline, behind the turn runner."""
    breakers = BreakerRegistry(
        runtime.redis,
        runtime.keys,
        runtime.redis_guard,
        runtime.metrics,
        fail_max=settings.breaker.fail_max,
        reset_timeout=settings.breaker.reset_timeout,
    )
    runtime.background(breakers.sync_forever())
    runtime.extra_checks.append(ReadinessCheck("circuits", breakers.check, critical=False))
    embedder = None
    if settings.share_embedding:
        embedder = await asyncio.to_thread(Embedder, settings.embedding)
        stack.callback(embedder.close)
    emitter = FrameEmitter(
        SessionStream(runtime.redis, runtime.keys, runtime.redis_guard), runtime.publisher
    )
    pipeline = TurnPipeline(
        state=SessionState(runtime.redis, runtime.keys, runtime.redis_guard),
        tools=tool_registry(runtime, settings, stack),
        runner=ToolRunner(breakers, runtime.tracer, runtime.metrics),
        generator=generator(settings, breakers, runtime.metrics, stack),
        summary_timeout=settings.timeouts.handoff_summary,
        emitter=emitter,
        outbox=runtime.outbox,
        tracer=runtime.tracer,
        metrics=TurnMetrics(runtime.metrics),
        embedder=embedder,
    )
    return TurnRunner(
        pipeline=pipeline,
        sequencer=SessionSequencer(runtime.redis, runtime.keys, runtime.redis_guard),
        outbox=runtime.outbox,
        messages=ClientMessages(runtime.engine, emitter),
        order_wait=settings.timeouts.order_wait,
    )


def tool_registry(
    runtime: ServiceRuntime, settings: OrchestratorSettings, stack: AsyncExitStack
) -> ToolRegistry:
    """The built-in tools over the other services, and the CRM lookup when enabled."""
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
        stack.push_async_callback(client.aclose)
        tools.register(CrmLookupTool(client, crm.attempts, crm.backoff_seconds, timeouts.crm))
    return tools


def generator(
    settings: OrchestratorSettings,
    breakers: BreakerRegistry,
    metrics: CollectorRegistry,
    stack: AsyncExitStack,
) -> ExtractiveGenerator | ResilientGenerator:
    """The configured LLM generator with the extractive one as its fallback, or the latter."""
    extractive = ExtractiveGenerator(min_confidence=settings.min_confidence)
    policy, budget = settings.policy, settings.prompt_token_budget
    timeout = settings.timeouts.generation
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
    stack.push_async_callback(primary.close)
    return ResilientGenerator(
        primary,
        extractive,
        breakers.get(f"generator:{primary.name}"),
        metrics,
        first_piece_timeout=settings.timeouts.first_token,
    )
