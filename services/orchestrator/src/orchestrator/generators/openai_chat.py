"""Any OpenAI-compatible chat-completions endpoint, streamed (OpenAI, vLLM, Ollama, llama.cpp)."""

from collections.abc import AsyncIterator

from openai import AsyncOpenAI, AsyncStream
from openai.types.chat import ChatCompletionChunk

from orchestrator.generators.base import Draft, GenerationInput, Handoff
from orchestrator.generators.handoff import write_summary
from orchestrator.generators.prompting import build_prompt
from orchestrator.settings import OpenAISettings


class OpenAIChatGenerator:
    """Streams an answer from `/chat/completions` with `stream: true`."""

    name = "openai"

    def __init__(
        self, settings: OpenAISettings, *, policy: str, budget: int, timeout: float
    ) -> None:
        self._settings = settings
        self._policy = policy
        self._budget = budget
        # Retries are the circuit breaker's and the fallback's business, not the SDK's.
        self._client = AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value() or "not-needed",
            timeout=timeout,
            max_retries=0,
        )

    async def draft(self, given: GenerationInput) -> Draft:
        """Open the stream (errors surface here) and hand out its text as it arrives."""
        prompt = build_prompt(self._policy, given, self._budget)
        return Draft(await self._stream(prompt.system, prompt.messages), prompt.sources)

    async def summarize(self, handoff: Handoff) -> str:
        """The agent's note on a conversation handed to a person, in one piece."""
        return await write_summary(self._stream, handoff, self._budget)

    async def _stream(self, system: str, messages: list[dict[str, str]]) -> AsyncIterator[str]:
        stream: AsyncStream[ChatCompletionChunk] = await self._client.chat.completions.create(
            model=self._settings.model,
            messages=[{"role": "system", "content": system}, *messages],  # type: ignore[list-item]
            max_tokens=self._settings.max_tokens,
            temperature=self._settings.temperature,
            stream=True,
        )  # type: ignore[assignment]

        async def pieces() -> AsyncIterator[str]:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content

        return pieces()

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.close()
