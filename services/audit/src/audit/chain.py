"""The per-tenant hash chain over audit records, and the walk that checks it."""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts import BrokenLink

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


def record_hash(prev_hash: str, record: Mapping[Any, Any]) -> str:
    """SHA-256 of the previous hash and the record's canonical JSON."""
    canonical = json.dumps(
        {name: record[name] for name in CHAINED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass
class ChainWalk:
    """Feeds records in id order; stops at the first one that breaks the chain."""

    expected_prev: str = GENESIS
    checked: int = 0
    broken: BrokenLink | None = None

    def feed(self, record: Mapping[Any, Any]) -> bool:
        """Check one record; False once the chain is broken."""
        self.checked += 1
        if record["prev_hash"] != self.expected_prev:
            self.broken = BrokenLink(
                problem="link",
                record_id=record["id"],
                expected=self.expected_prev,
                stored=record["prev_hash"],
            )
            return False
        digest = record_hash(record["prev_hash"], record)
        if digest != record["hash"]:
            self.broken = BrokenLink(
                problem="hash", record_id=record["id"], expected=digest, stored=record["hash"]
            )
            return False
        self.expected_prev = record["hash"]
        return True

    def finish(self, head_id: int | None, head_hash: str | None) -> None:
        """The chain must end at the head recorded with the last append."""
        if self.broken is None and head_hash is not None and head_hash != self.expected_prev:
            self.broken = BrokenLink(
                problem="head", record_id=head_id, expected=head_hash, stored=self.expected_prev
            )
