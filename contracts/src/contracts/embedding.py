"""A text's dense embedding, carried along so that a turn embeds the customer's message once."""

from pydantic import Field

from contracts.envelope import Model


class Embedding(Model):
    """A normalised vector and the model that made it; a receiver that uses another model
    ignores it and embeds the text itself (vectors of different models never mix)."""

    model: str
    vector: list[float] = Field(min_length=1, max_length=4096)
