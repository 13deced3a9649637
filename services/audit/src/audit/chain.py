"""The per-tenant hash chain over audit records."""

import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "tenant_id",
    "event_id",
    "event_type",
    "session_id",
    "turn_id",
    "ticket_id",
    "occurred_at",
    "payload",
    "pii_redacted",
)


def record_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash and the record's canonical JSON."""
    canonical = json.dumps(
        {name: record[name] for name in CHAINED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()
