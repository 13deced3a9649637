"""Tools: one contract for everything a turn calls, each call timed, traced and guarded."""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import pybreaker
from opentelemetry.trace import Tracer
from prometheus_client import CollectorRegistry, Counter, Histogram

from contracts import ToolCall
from orchestrator.breakers import BreakerRegistry
from orchestrator.context import TurnContext


@dataclass(frozen=True)
class ToolResult:
    """What a tool returns."""

    success: bool
    data: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class ToolFailed(Exception):
    """The tool's dependency answered, but with a failure (counts against its circuit)."""


class Tool(Protocol):
    """An async capability of a turn; it raises on failure, the runner turns that into a result."""

    name: str
    timeout: float

    async def run(self, context: TurnContext) -> ToolResult:
        """Do the work for this turn."""
        ...


class ToolRegistry:
    """Tools by name; settings decide which are switched on."""

    def __init__(self, enabled: set[str]) -> None:
        self._enabled = enabled
        self._tools: dict[str, Tool] = {}

    def register(self, tool: Tool) -> None:
        """Make a tool available (used only if enabled)."""
        self._tools[tool.name] = tool

    def get(self, name: str) -> Tool | None:
        """The tool if it is registered and enabled."""
        return self._tools.get(name) if name in self._enabled else None


class ToolRunner:
    """Calls tools under their circuit breaker and timeout, in a span, and records each call."""

    def __init__(
        self, breakers: BreakerRegistry, tracer: Tracer, metrics: CollectorRegistry
    ) -> None:
        self._breakers = breakers
        self._tracer = tracer
        self._calls = Counter(
            "support_tool_calls",
            "Tool calls by tool and outcome",
            ["tool", "status"],
            registry=metrics,
        )
        self._seconds = Histogram(
            "support_tool_seconds",
            "Tool call duration",
            ["tool"],
            registry=metrics,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )

    async def call(self, tool: Tool, context: TurnContext) -> ToolResult:
        """Run the tool; failures, timeouts and open circuits come back as unsuccessful results."""
        attributes = {
            "tool.name": tool.name,
            "tenant.id": context.message.tenant_id,
            "session.id": context.session_id,
            "turn.id": context.turn_id,
        }
        started = time.perf_counter()
        with self._tracer.start_as_current_span(f"tool {tool.name}", attributes=attributes) as span:
            try:
                with self._breakers.get(tool.name).calling():
                    async with asyncio.timeout(tool.timeout):
                        result = await tool.run(context)
                status, error = "ok", None
            except pybreaker.CircuitBreakerError:
                result, status, error = None, "circuit_open", "circuit open"
            except TimeoutError:
                result, status, error = None, "timeout", f"no answer within {tool.timeout}s"
            except Exception as exc:
                result, status, error = None, "error", f"{type(exc).__name__}: {exc}"
            span.set_attribute("tool.status", status)
        duration = time.perf_counter() - started
        self._calls.labels(tool=tool.name, status=status).inc()
        self._seconds.labels(tool=tool.name).observe(duration)
        context.tools_called.append(
            ToolCall(
                name=tool.name, status=status, duration_ms=round(duration * 1000, 2), error=error
            )
        )
        return result or ToolResult(success=False, error=error)
