"""The envelope every event travels in."""

from datetime import UTC, datetime
from typing import Any, Self, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

E = TypeVar("E", bound="Event")


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class Model(BaseModel):
    """Base for payload parts: immutable, and tolerant of fields added by newer producers."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Event(Model):
    """A past-tense fact; `event_type` is also its routing key on `support.events`."""

    event_type: str
    schema_version: int = 1
    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=utcnow)
    tenant_id: str
    session_id: str | None = None
    correlation_id: str | None = Field(default=None, description="The turn id.")
    causation_id: UUID | None = None
    reply_to: str | None = Field(
        default=None, description="Reply route of the requesting instance, for request events."
    )

    @classmethod
    def routing_key(cls) -> str:
        """The event type, which is the routing key."""
        default = cls.model_fields["event_type"].default
        assert isinstance(default, str), f"{cls.__name__} must declare a Literal event_type"
        return default

    def follow(self, event_cls: type[E], **fields: Any) -> E:
        """The next event of this conversation (same tenant, session, turn), caused by this one."""
        base: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "session_id": self.session_id,
            "correlation_id": self.correlation_id,
            "causation_id": self.event_id,
        }
        return event_cls(**(base | fields))

    def with_reply_to(self, route: str) -> Self:
        """Return a copy that asks for its reply on `route`."""
        return self.model_copy(update={"reply_to": route})
