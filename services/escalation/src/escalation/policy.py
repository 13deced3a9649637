"""A tenant's escalation policy: which rules fire, with what words and thresholds."""

from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

Priority = Literal["low", "normal", "high", "urgent"]
PRIORITY_ORDER: dict[Priority, int] = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
DEFAULT_PRIORITIES: dict[str, Priority] = {
    "fraud": "urgent",
    "legal_threat": "urgent",
    "lost_or_stolen_card": "high",
    "negative_sentiment": "high",
    "human_request": "normal",
    "complaint": "normal",
    "low_confidence": "normal",
    "turn_limit": "low",
}
DEFAULT_SLA_MINUTES: dict[Priority, int] = {"urgent": 15, "high": 60, "normal": 240, "low": 1440}


class HumanRequestRule(BaseModel):
    """The customer asks for a person."""

    enabled: bool = True
    extra_phrases: list[str] = Field(default_factory=list, description="Also count as a request.")


class SentimentRule(BaseModel):
    """Frustration: VADER compound score at or below the threshold (-1 … 1)."""

    enabled: bool = True
    threshold: float = -0.6


class LowConfidenceRule(BaseModel):
    """The knowledge base could not support `consecutive` answers in a row."""

    enabled: bool = True
    threshold: float = 0.35
    consecutive: int = 2


class SensitiveTopicsRule(BaseModel):
    """Topics a human should handle; any keyword (case-insensitive, whole words) fires."""

    enabled: bool = True
    topics: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "fraud": ["fraud", "fraudulent", "scam", "scammed", "identity theft", "hacked"],
            "lost_or_stolen_card": [
                "lost my card",
                "stolen card",
                "card was stolen",
                "card stolen",
                "lost card",
            ],
            "legal_threat": ["lawyer", "attorney", "sue you", "lawsuit", "legal action", "court"],
            "complaint": ["formal complaint", "file a complaint", "make a complaint", "ombudsman"],
        }
    )


class TurnLimitRule(BaseModel):
    """The conversation went on too long without resolution."""

    enabled: bool = True
    max_turns: int = 20


class BusinessHours(BaseModel):
    """When agents work; outside these hours tickets wait and the customer is told so."""

    timezone: str = "UTC"
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6], description="0 = Monday")
    start: time = time(0, 0)
    end: time = time(23, 59, 59)

    def open_at(self, moment: datetime) -> bool:
        """Whether agents work at `moment`."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        return local.weekday() in self.days and self.start <= local.time() <= self.end


class EscalationPolicy(BaseModel):
    """Everything a tenant can configure about hand-off to humans."""

    human_request: HumanRequestRule = Field(default_factory=HumanRequestRule)
    sentiment: SentimentRule = Field(default_factory=SentimentRule)
    low_confidence: LowConfidenceRule = Field(default_factory=LowConfidenceRule)
    sensitive_topics: SensitiveTopicsRule = Field(default_factory=SensitiveTopicsRule)
    turn_limit: TurnLimitRule = Field(default_factory=TurnLimitRule)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    priorities: dict[str, Priority] = Field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    sla_minutes: dict[Priority, int] = Field(default_factory=lambda: dict(DEFAULT_SLA_MINUTES))

    def priority_of(self, reasons: list[str]) -> Priority:
        """The most urgent priority among the reasons."""
        levels: list[Priority] = [self.priorities.get(reason, "normal") for reason in reasons] or [
            "normal"
        ]
        return max(levels, key=PRIORITY_ORDER.__getitem__)
