"""The pre-launch test of the assistant: questions asked through the real path, scored.

Every question opens a session, is sent over the WebSocket as a customer would send it and
answered by the configured generator; the same question is also searched through the admin
API (every audience) for search recall. Lines of the input (JSONL) carry `question` (or
`query`) and optionally `expected_documents` (or `required_documents`), `expects_human` (or
`expects_human_transfer`) and `must_not_contain`.

Cited recall is the share of a question's customer-facing expected documents its answer cites,
over the questions the assistant answered itself (a hand-off answers with the hand-off). A turn
that went on without a dependency (a search or memory recall that timed out) is counted apart,
from the turn's audit record: its answer says more about the platform's load than about the
knowledge base.
"""

import asyncio
import json
import statistics
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

RECALL_AT = 10
TURN_TIMEOUT_SECONDS = 60.0
AUDIT_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class Case:
    """One question and what a good answer looks like."""

    question: str
    case_id: str
    expected_documents: list[str] = field(default_factory=list)
    expects_human: bool | None = None
    must_not_contain: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, line: dict[str, Any], number: int) -> "Case":
        """A case from one input line (either naming of each field)."""
        question = line.get("question") or line.get("query")
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"line {number}: `question` (or `query`) is required")
        human = line.get("expects_human", line.get("expects_human_transfer"))
        return cls(
            question=question,
            case_id=str(line.get("id") or number),
            expected_documents=list(
                line.get("expected_documents") or line.get("required_documents") or []
            ),
            expects_human=None if human is None else bool(human),
            must_not_contain=list(line.get("must_not_contain") or []),
        )


@dataclass
class Outcome:
    """What the assistant did with one case."""

    case_id: str
    question: str
    answer: str = ""
    cited: list[str] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)
    escalated: bool = False
    seconds: float | None = None
    search_recall: float | None = None
    cited_recall: float | None = None
    internal_cited: list[str] = field(default_factory=list)
    forbidden_found: list[str] = field(default_factory=list)
    expects_human: bool | None = None
    degraded: list[str] | None = None
    error: str | None = None

    @property
    def unanswered(self) -> bool:
        """An "I don't know": not handed off, and nothing cited."""
        return self.error is None and not self.escalated and not self.cited


def load_cases(path: Path) -> list[Case]:
    """Every case of a JSONL file; a bad line stops with its number."""
    cases = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        if raw.strip():
            try:
                line = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
            cases.append(Case.parse(line, number))
    return cases


async def internal_documents(client: httpx.AsyncClient) -> set[str]:
    """Ids of the tenant's staff-only documents."""
    found: set[str] = set()
    offset = 0
    while True:
        page = await client.get(
            "/v1/kb/documents", params={"audience": "internal", "limit": 200, "offset": offset}
        )
        page.raise_for_status()
        body = page.json()
        found |= {item["document_id"] for item in body["items"]}
        offset += len(body["items"])
        if offset >= body["total"] or not body["items"]:
            return found


def distinct(document_ids: list[str]) -> list[str]:
    """Document ids in first-seen order."""
    return list(dict.fromkeys(document_ids))


def recall(expected: list[str], found: list[str]) -> float | None:
    """Share of the expected documents found (None when nothing is expected)."""
    return len(set(expected) & set(found)) / len(set(expected)) if expected else None


class Evaluator:
    """Runs cases against a gateway with an admin token."""

    def __init__(self, client: httpx.AsyncClient, internal: set[str]) -> None:
        self._client = client
        self._internal = internal

    async def run(self, case: Case) -> Outcome:
        """Ask one question as a new customer and score the answer."""
        outcome = Outcome(case.case_id, case.question, expects_human=case.expects_human)
        try:
            outcome.searched = await self._search(case.question)
            session_id = await self._chat(case.question, outcome)
            outcome.degraded = await self._degraded(session_id)
        except (httpx.HTTPError, OSError, websockets.WebSocketException, TimeoutError) as exc:
            outcome.error = f"{type(exc).__name__}: {exc}"
            return outcome
        customer_facing = [d for d in case.expected_documents if d not in self._internal]
        outcome.search_recall = recall(case.expected_documents, outcome.searched)
        outcome.cited_recall = recall(customer_facing, outcome.cited)
        outcome.internal_cited = [d for d in outcome.cited if d in self._internal]
        lowered = outcome.answer.lower()
        outcome.forbidden_found = [s for s in case.must_not_contain if s.lower() in lowered]
        return outcome

    async def _search(self, question: str) -> list[str]:
        response = await self._client.post(
            "/v1/kb/search", json={"query": question[:8000], "top_k": RECALL_AT}
        )
        response.raise_for_status()
        return distinct([hit["document_id"] for hit in response.json()["results"]])[:RECALL_AT]

    async def _chat(self, question: str, outcome: Outcome) -> str:
        """Ask as a new customer; the session's id."""
        opened = await self._client.post(
            "/v1/sessions", json={"customer_id": f"eval-{uuid.uuid4()}"}
        )
        opened.raise_for_status()
        session = opened.json()
        url = f"{session['stream_url']}?token={session['token']}"
        async with websockets.connect(url, open_timeout=10, max_size=2**22) as socket:
            started = time.perf_counter()
            await socket.send(
                json.dumps(
                    {
                        "type": "user_message",
                        "client_message_id": uuid.uuid4().hex,
                        "text": question[:8000],
                    }
                )
            )
            deadline = started + TURN_TIMEOUT_SECONDS
            while True:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise TimeoutError(f"no answer within {TURN_TIMEOUT_SECONDS:.0f}s")
                frame = json.loads(await _receive(socket, remaining))
                if frame["type"] == "error":
                    raise OSError(f"error frame {frame.get('code')}: {frame.get('detail')}")
                if frame["type"] == "answer_completed":
                    outcome.seconds = time.perf_counter() - started
                    outcome.answer = frame["text"]
                    outcome.cited = distinct([s["document_id"] for s in frame["sources"]])
                    outcome.escalated = bool(frame["escalated"])
                    return str(session["session_id"])

    async def _degraded(self, session_id: str) -> list[str] | None:
        """The dependencies the session's turn went on without, from its audited
        `turn.completed` (None if the audit trail did not record it in time)."""
        deadline = time.perf_counter() + AUDIT_WAIT_SECONDS
        while time.perf_counter() < deadline:
            response = await self._client.get(f"/v1/audit/sessions/{session_id}/records")
            if response.status_code != 404:
                response.raise_for_status()
                for record in response.json()["records"]:
                    if record["event_type"] == "turn.completed":
                        return list(record["payload"].get("degraded") or [])
            await asyncio.sleep(0.2)
        return None


async def _receive(socket: Any, timeout: float) -> str:
    raw = await asyncio.wait_for(socket.recv(), timeout)
    return raw if isinstance(raw, str) else raw.decode()


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.mean(present), 3) if present else None


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)


def totals(outcomes: list[Outcome]) -> dict[str, Any]:
    """The figures of a run."""
    done = [o for o in outcomes if o.error is None]
    labelled = [o for o in done if o.expects_human is not None]
    tp = sum(o.escalated and bool(o.expects_human) for o in labelled)
    fp = sum(o.escalated and not o.expects_human for o in labelled)
    fn = sum(not o.escalated and bool(o.expects_human) for o in labelled)
    times = [o.seconds for o in done if o.seconds is not None]
    return {
        "questions": len(outcomes),
        "errors": len(outcomes) - len(done),
        "degraded_turns": sum(bool(o.degraded) for o in done),
        f"search_recall_at_{RECALL_AT}": _mean([o.search_recall for o in done]),
        "cited_recall_customer_facing": _mean([o.cited_recall for o in done if not o.escalated]),
        "handoff_precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "handoff_recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "handoffs": {"true_positive": tp, "false_positive": fp, "false_negative": fn},
        "internal_documents_cited": sum(len(o.internal_cited) for o in done),
        "must_not_contain_violations": sum(len(o.forbidden_found) for o in done),
        "dont_know_share": round(sum(o.unanswered for o in done) / len(done), 3) if done else None,
        "cited_documents_per_answer": _mean([float(len(o.cited)) for o in done]),
        "turn_p50_ms": _percentile(times, 0.5),
        "turn_p95_ms": _percentile(times, 0.95),
    }


def write_reports(outcomes: list[Outcome], figures: dict[str, Any], base: Path) -> list[Path]:
    """`base`.json (everything) and `base`.md (the figures and one row per question)."""
    json_path, markdown_path = base.with_suffix(".json"), base.with_suffix(".md")
    json_path.write_text(
        json.dumps({"totals": figures, "questions": [asdict(o) for o in outcomes]}, indent=2) + "\n"
    )
    lines = ["# Assistant evaluation", "", "| figure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in figures.items()]
    lines += [
        "",
        "| id | search recall | cited recall | hand-off (expected) | cited | ms | degraded "
        "| answer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        answer = (o.error or o.answer).replace("\n", " ").replace("|", "\\|")
        expected = "?" if o.expects_human is None else ("yes" if o.expects_human else "no")
        lines.append(
            f"| {o.case_id} | {_cell(o.search_recall)} | {_cell(o.cited_recall)} | "
            f"{'yes' if o.escalated else 'no'} ({expected}) | {len(o.cited)} | "
            f"{round(o.seconds * 1000) if o.seconds else ''} | {', '.join(o.degraded or [])} | "
            f"{answer[:300]} |"
        )
    markdown_path.write_text("\n".join(lines) + "\n")
    return [markdown_path, json_path]


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
