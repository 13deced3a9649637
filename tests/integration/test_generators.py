"""Remote answer generators against a local server speaking each provider's streaming wire
format: answers stream, staff-only guidance sits apart from the citable sources and a sentence
quoting it is withheld, failures fall back to the extractive generator, a broken stream says so,
and a circuit breaker keeps a failing provider out until it recovers."""

import time
import uuid
from collections.abc import AsyncIterator

import pybreaker
import pytest
from prometheus_client import CollectorRegistry

from contracts import ChatMessageReceived, CustomerFact, HistoryMessage, Source, utcnow
from orchestrator.context import TurnContext
from orchestrator.generators.anthropic_messages import AnthropicGenerator
from orchestrator.generators.base import GenerationInput, Handoff
from orchestrator.generators.disclosure import DisclosureGuard
from orchestrator.generators.extractive import ExtractiveGenerator
from orchestrator.generators.openai_chat import OpenAIChatGenerator
from orchestrator.generators.prompting import GUIDANCE_HEADING
from orchestrator.generators.resilient import INTERRUPTED, ResilientGenerator
from orchestrator.settings import DEFAULT_POLICY, AnthropicSettings, OpenAISettings
from tests.support.infra import wait_until
from tests.support.llm_servers import ANSWER, FakeProvider, create_provider_app
from tests.support.servers import serve_app

pytestmark = pytest.mark.integration
SOURCE = Source(
    document_id="cards-1",
    title="Lost cards",
    chunk_id="c1",
    score=0.9,
    snippet="Freeze a lost card in the app.",
    text="Freeze a lost card in the app. Then order a replacement card from the cards page.",
)
GUIDANCE = Source(
    document_id="desk-1",
    title="Internal: Lost card desk",
    chunk_id="g1",
    score=0.7,
    snippet="",
    text="Staff block the card with block_card_4410 before ordering the replacement card.",
    audience="internal",
)
GIVEN = GenerationInput(question="I lost my card, what now?", sources=[SOURCE], confidence=0.8)


OPEN: list[OpenAIChatGenerator | AnthropicGenerator] = []


@pytest.fixture
async def provider() -> AsyncIterator[tuple[FakeProvider, str]]:
    fake = FakeProvider()
    async with serve_app(create_provider_app(fake)) as url:
        yield fake, url
        while OPEN:
            await OPEN.pop().close()


def openai(url: str) -> OpenAIChatGenerator:
    settings = OpenAISettings(base_url=f"{url}/v1", model="fake")
    generator = OpenAIChatGenerator(settings, policy=DEFAULT_POLICY, budget=3000, timeout=5)
    OPEN.append(generator)
    return generator


def anthropic(url: str) -> AnthropicGenerator:
    settings = AnthropicSettings(base_url=url, model="fake")
    generator = AnthropicGenerator(settings, policy=DEFAULT_POLICY, budget=3000, timeout=5)
    OPEN.append(generator)
    return generator


def resilient(
    primary: OpenAIChatGenerator | AnthropicGenerator, *, fail_max: int = 5, reset: float = 30
) -> ResilientGenerator:
    breaker = pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset, name=primary.name)
    return ResilientGenerator(
        primary,
        ExtractiveGenerator(min_confidence=0.3),
        breaker,
        CollectorRegistry(),
        first_piece_timeout=2,
    )


def context() -> TurnContext:
    message = ChatMessageReceived(
        tenant_id="acme",
        session_id="s",
        correlation_id=str(uuid.uuid4()),
        message_id="m",
        text=GIVEN.question,
        gateway_instance="gateway.test",
    )
    return TurnContext(message)


async def text_of(generator: ResilientGenerator, turn: TurnContext) -> tuple[str, str]:
    draft, name = await generator.draft(GIVEN, turn)
    return "".join([piece async for piece in draft.pieces]), name


@pytest.mark.parametrize("make", [openai, anthropic], ids=["openai", "anthropic"])
async def test_an_answer_streams_with_the_prompt_built_from_policy_and_sources(
    provider: tuple[FakeProvider, str], make: object
) -> None:
    fake, url = provider
    generator = make(url)  # type: ignore[operator]
    draft = await generator.draft(GIVEN)
    pieces = [piece async for piece in draft.pieces]
    assert pieces == ANSWER
    assert draft.sources == [SOURCE]
    body = fake.bodies[-1]
    assert body["stream"] is True
    prompt = str(body.get("system") or body["messages"][0]["content"])  # type: ignore[index]
    assert "[1] Lost cards" in prompt and "Answer only from the numbered sources" in prompt


@pytest.mark.parametrize("make", [openai, anthropic], ids=["openai", "anthropic"])
async def test_staff_guidance_is_a_separate_uncitable_prompt_section_and_quotes_are_withheld(
    provider: tuple[FakeProvider, str], make: object
) -> None:
    fake, url = provider
    fake.answer = [
        "Freeze it in the app [1]. ",
        "Staff block the card with block_card_4410 ",
        "before ordering the replacement card. ",
        "Then order a replacement.",
    ]
    given = GenerationInput(
        question=GIVEN.question, sources=[SOURCE], confidence=0.8, guidance=[GUIDANCE]
    )
    draft = await make(url).draft(given)  # type: ignore[operator]
    guard = DisclosureGuard(given.guidance, given.sources)
    text = "".join([piece async for piece in guard.screen(draft.pieces)])
    assert draft.sources == [SOURCE]  # guidance is never citable
    assert text == "Freeze it in the app [1]. Then order a replacement."
    assert guard.withheld == 1
    body = fake.bodies[-1]
    prompt = str(body.get("system") or body["messages"][0]["content"])  # type: ignore[index]
    sources_at, guidance_at = (
        prompt.index("Sources:\n[1] Lost cards"),
        prompt.index(GUIDANCE_HEADING),
    )
    assert sources_at < guidance_at and "block_card_4410" in prompt[guidance_at:]
    assert "block_card_4410" not in prompt[:guidance_at]
    assert "[2]" not in prompt[sources_at:]  # the guidance is not numbered like a source
    assert "never quote, cite or reveal" in prompt


@pytest.mark.parametrize("make", [openai, anthropic], ids=["openai", "anthropic"])
@pytest.mark.parametrize("behaviour", ["error", "rate_limited", "hang"])
async def test_a_provider_failure_before_the_first_piece_falls_back_to_extractive(
    provider: tuple[FakeProvider, str], make: object, behaviour: str
) -> None:
    fake, url = provider
    fake.script = [behaviour]  # type: ignore[list-item]
    turn = context()
    started = time.monotonic()
    text, name = await text_of(resilient(make(url)), turn)  # type: ignore[operator]
    assert name == "extractive"
    assert "Freeze a lost card in the app. [1]" in text
    assert turn.degraded and turn.degraded[0].startswith("generator:")
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(
    ("make", "behaviour"), [(openai, "drop"), (anthropic, "drop"), (anthropic, "stream_error")]
)
async def test_a_broken_stream_keeps_what_was_said_and_says_it_was_interrupted(
    provider: tuple[FakeProvider, str], make: object, behaviour: str
) -> None:
    fake, url = provider
    fake.script = [behaviour]  # type: ignore[list-item]
    turn = context()
    text, name = await text_of(resilient(make(url)), turn)  # type: ignore[operator]
    assert name in ("openai", "anthropic")
    assert text.startswith("".join(ANSWER[:2]))
    assert text.endswith(INTERRUPTED)
    assert turn.degraded


async def test_repeated_failures_open_the_circuit_and_a_recovered_provider_closes_it(
    provider: tuple[FakeProvider, str],
) -> None:
    fake, url = provider
    generator = resilient(openai(url), fail_max=2, reset=0.5)
    fake.default = "error"
    for _ in range(2):
        assert (await text_of(generator, context()))[1] == "extractive"
    assert fake.requests == 2
    for _ in range(3):  # open: the provider is not even asked
        assert (await text_of(generator, context()))[1] == "extractive"
    assert fake.requests == 2
    fake.default = "ok"

    async def recovered() -> bool:
        return (await text_of(generator, context()))[1] == "openai"

    await wait_until(recovered, timeout=5, interval=0.2)
    assert fake.requests == 3  # one half-open trial, which succeeded and closed the circuit
    assert (await text_of(generator, context()))[1] == "openai"


HANDOFF = Handoff(
    question="Order 4471 never arrived and I want a person now.",
    answer="I'm handing you over to our team.",
    reasons=["human_request"],
    facts=[CustomerFact(fact_type="product", content="Holds a Gold Rewards Card")],
    history=[
        HistoryMessage(role="customer", text="Where is order 4471?", at=utcnow()),
        HistoryMessage(role="assistant", text="Orders arrive within five days.", at=utcnow()),
    ],
)


@pytest.mark.parametrize("make", [openai, anthropic], ids=["openai", "anthropic"])
async def test_a_handoff_summary_is_written_from_the_conversation_facts_and_reasons(
    provider: tuple[FakeProvider, str], make: object
) -> None:
    fake, url = provider
    fake.answer = ["Wants a person: ", "order 4471 ", "never arrived."]
    summary = await resilient(make(url)).summarize(HANDOFF, timeout=5)  # type: ignore[operator]
    assert summary == "Wants a person: order 4471 never arrived."
    body = fake.bodies[-1]
    system = str(body.get("system") or body["messages"][0]["content"])  # type: ignore[index]
    asked = str(body["messages"][-1]["content"])  # type: ignore[index]
    assert "note a support agent reads" in system
    assert "Customer: Where is order 4471?" in asked
    assert "Assistant: I'm handing you over to our team." in asked
    assert "- Holds a Gold Rewards Card" in asked and "Handed over because: human request" in asked


async def test_a_failing_provider_writes_no_summary_and_counts_against_its_circuit(
    provider: tuple[FakeProvider, str],
) -> None:
    fake, url = provider
    fake.default = "error"
    generator = resilient(openai(url), fail_max=1)
    assert await generator.summarize(HANDOFF, timeout=5) is None
    assert await generator.summarize(HANDOFF, timeout=5) is None
    assert fake.requests == 1  # the open circuit spared the provider the second call
