"""Personal-data redaction for the audit store and the logs."""

from support_core.redaction.redactor import (
    Entity,
    Finding,
    Redactor,
    default_redactor,
    placeholder,
)

__all__ = ["Entity", "Finding", "Redactor", "default_redactor", "placeholder"]
