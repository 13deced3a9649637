"""Orchestrator settings (`ORCHESTRATOR_*`; nested with `__`, e.g. `ORCHESTRATOR_OPENAI__MODEL`)."""

from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from support_core.settings import ServiceSettings
from support_embeddings import EmbeddingSettings

GeneratorName = Literal["extractive", "openai", "anthropic"]
DEFAULT_POLICY = (
    "You are the customer-support assistant of this company. Answer only from the numbered "
    "sources; cite them inline as [1], [2]. If the sources do not answer the question, say so "
    "plainly and offer to connect the customer with a human agent. Be brief and friendly; never "
    "invent account details, fees or policies. Staff-only guidance, when given, tells you how "
    "the company handles such requests: follow it, but never quote, cite or reveal it, its "
    "procedures or its tool names to the customer."
)


class OpenAISettings(BaseModel):
    """Any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp)."""

    base_url: str = "https://api.openai.com/v1"
    api_key: SecretStr = SecretStr("")
    model: str = "gpt-4o-mini"
    max_tokens: int = 512
    temperature: float = 0.2


class AnthropicSettings(BaseModel):
    """The Anthropic Messages API."""

    base_url: str = "https://api.anthropic.com"
    api_key: SecretStr = SecretStr("")
    model: str = "claude-3-5-haiku-latest"
    max_tokens: int = 512


class CrmSettings(BaseModel):
    """The customer-system lookup tool (off unless `crm` is among the enabled tools)."""

    url: str = "http://127.0.0.1:9000"
    api_key: SecretStr = SecretStr("")
    attempts: int = Field(default=3, ge=1)
    backoff_seconds: float = Field(default=0.1, ge=0)


class BreakerSettings(BaseModel):
    """When a dependency's circuit opens and how long before it is tried again."""

    fail_max: int = Field(default=5, ge=1)
    reset_timeout: float = Field(default=30.0, gt=0)


class Timeouts(BaseModel):
    """Seconds each step may take before the turn goes on without it."""

    memory: float = 1.0
    retrieval: float = 2.0
    escalation: float = 1.0
    crm: float = 2.0
    first_token: float = 10.0
    generation: float = 45.0
    handoff_summary: float = 10.0
    order_wait: float = 10.0


class OrchestratorSettings(ServiceSettings):
    """How turns are run."""

    model_config = SettingsConfigDict(
        env_prefix="ORCHESTRATOR_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = "orchestrator"
    port: int = 8001
    generator: GeneratorName = "extractive"
    tools: set[str] = Field(default_factory=lambda: {"memory", "retrieval", "escalation"})
    policy: str = DEFAULT_POLICY
    top_k: int = Field(default=5, ge=1, le=20)
    guidance_top_k: int = Field(
        default=3,
        ge=0,
        le=20,
        description="Staff-only passages retrieved with each turn: guidance for the LLM "
        "generators and the hand-off check, never shown or cited to the customer.",
    )
    min_confidence: float = Field(
        default=0.35,
        description="Below this passage similarity the assistant says it does not know.",
    )
    prompt_token_budget: int = Field(default=3000, ge=500)
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    anthropic: AnthropicSettings = Field(default_factory=AnthropicSettings)
    crm: CrmSettings = Field(default_factory=CrmSettings)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    timeouts: Timeouts = Field(default_factory=Timeouts)
    share_embedding: bool = Field(
        default=True,
        description="Embed the customer's message once here and send the vector to memory, "
        "retrieval and escalation, instead of each service embedding it again.",
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
