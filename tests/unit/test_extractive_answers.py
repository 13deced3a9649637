"""The extractive generator tells "nothing matched" apart from "could not search"."""

from orchestrator.generators.base import CANNOT_LOOK_UP, DONT_KNOW, GenerationInput
from orchestrator.generators.extractive import ExtractiveGenerator

GENERATOR = ExtractiveGenerator(min_confidence=0.35)


def test_an_empty_knowledge_base_says_it_does_not_know_and_offers_a_human() -> None:
    text, cited, offers_human = GENERATOR.compose(
        GenerationInput(question="How do I report a lost card?", sources=[], confidence=None)
    )
    assert (text, cited, offers_human) == (DONT_KNOW, [], True)


def test_a_knowledge_base_that_could_not_be_searched_says_so() -> None:
    text, cited, offers_human = GENERATOR.compose(
        GenerationInput(
            question="How do I report a lost card?",
            sources=[],
            confidence=None,
            knowledge_available=False,
        )
    )
    assert (text, cited, offers_human) == (CANNOT_LOOK_UP, [], True)
