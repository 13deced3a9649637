"""The audit hash chain: what the walk reports for edits, removals and pruned prefixes."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from audit.chain import GENESIS, ChainWalk, record_hash


def chain(count: int) -> list[dict[str, Any]]:
    """`count` chained records of one tenant, as stored."""
    rows, prev = [], GENESIS
    for index in range(1, count + 1):
        row = {
            "id": index,
            "tenant_id": "acme",
            "event_id": uuid4(),
            "event_type": "turn.completed",
            "session_id": "s-1",
            "turn_id": f"t-{index}",
            "ticket_id": None,
            "occurred_at": datetime(2026, 11, 21, 10, index, tzinfo=UTC),
            "payload": {"user_text": f"message {index}"},
            "pii_redacted": False,
            "prev_hash": prev,
        }
        row["hash"] = prev = record_hash(prev, row)
        rows.append(row)
    return rows


def walk(
    rows: list[dict[str, Any]], *, start: str = GENESIS, head: dict[str, Any] | None = None
) -> ChainWalk:
    """Walk `rows`; the head is the last row unless given."""
    walker = ChainWalk(start)
    for row in rows:
        if not walker.feed(row):
            break
    head = head or rows[-1]
    walker.finish(head["id"], head["hash"])
    return walker


def test_an_intact_chain_verifies() -> None:
    result = walk(chain(5))
    assert result.broken is None
    assert result.checked == 5


def test_an_edited_payload_is_reported_at_its_record() -> None:
    rows = chain(5)
    rows[2]["payload"] = {"user_text": "something else"}
    broken = walk(rows).broken
    assert broken is not None
    assert (broken.problem, broken.record_id, broken.stored) == ("hash", 3, rows[2]["hash"])
    assert broken.expected == record_hash(rows[2]["prev_hash"], rows[2])


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link() -> None:
    rows = chain(5)
    rows[2]["payload"] = {"user_text": "something else"}
    rows[2]["hash"] = record_hash(rows[2]["prev_hash"], rows[2])
    broken = walk(rows).broken
    assert broken is not None
    assert (broken.problem, broken.record_id) == ("link", 4)


def test_a_removed_record_breaks_the_link_after_it() -> None:
    rows = chain(5)
    del rows[1]
    broken = walk(rows).broken
    assert broken is not None
    assert (broken.problem, broken.record_id, broken.expected) == ("link", 3, rows[0]["hash"])


def test_removed_last_records_are_caught_by_the_head() -> None:
    rows = chain(5)
    broken = walk(rows[:3], head=rows[4]).broken
    assert broken is not None
    assert (broken.problem, broken.record_id, broken.stored) == ("head", 5, rows[2]["hash"])


def test_a_pruned_prefix_verifies_from_its_checkpoint_but_not_from_genesis() -> None:
    rows = chain(5)
    assert walk(rows[2:], start=rows[1]["hash"]).broken is None
    broken = walk(rows[2:]).broken
    assert broken is not None
    assert (broken.problem, broken.record_id) == ("link", 3)
