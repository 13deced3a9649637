"""The Anthropic Messages API, streamed."""

from collections.abc import AsyncIterator

from anthropic import AsyncAnthropic, AsyncStream
from anthropic.types import RawContentBlockDeltaEvent, RawMessageStreamEvent, TextDelta

from orchestrator.generators.base import Draft, GenerationInput, Handoff
from orchestrator.generators.handoff import write_summary
from orchestrator.generators.prompting import build_prompt
from orchestrator.settings import AnthropicSettings


def alternating(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Messages the API accepts: starting with the user, roles alternating (merged if not)."""
    merged: list[dict[str, str]] = []
    for message in messages:
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {
                **merged[-1],
                "content": merged[-1]["content"] + "\n\n" + message["content"],
            }
        else:
            merged.append(dict(message))
    while merged and merged[0]["role"] != "user":
        merged.pop(0)
    return merged


class AnthropicGenerator:
    """Streams an answer from `/v1/messages` with `stream: true`."""

    name = "anthropic"

    def __init__(
        self, settings: AnthropicSettings, *, policy: str, budget: int, timeout: float
    ) -> None:
        self._settings = settings
        self._policy = policy
        self._budget = budget
        self._client = AsyncAnthropic(
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
        stream: AsyncStream[RawMessageStreamEvent] = await self._client.messages.create(
            model=self._settings.model,
            system=system,
            messages=alternating(messages),  # type: ignore[arg-type]
            max_tokens=self._settings.max_tokens,
            stream=True,
        )  # type: ignore[assignment]

        async def pieces() -> AsyncIterator[str]:
            # The SDK raises on an `error` event (e.g. overloaded) and on a cut connection.
            async for event in stream:
                if isinstance(event, RawContentBlockDeltaEvent) and isinstance(
                    event.delta, TextDelta
                ):
                    yield event.delta.text

        return pieces()

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.close()
