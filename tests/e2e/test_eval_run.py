"""`support eval run` against the whole platform: every question through a session and the
WebSocket, scored, and written as Markdown and JSON reports."""

import asyncio
import json
import os
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import Stack
from tests.support.kb import admin, settled
from tests.support.tenants import SUPPORT_CLI

pytestmark = pytest.mark.e2e


async def test_eval_run_scores_answers_citations_hand_offs_and_leaks(
    stack: Stack, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    product, marker = f"Wombat{suffix}", f"WX{suffix.upper()}"
    public, staff = f"wombat-help-{suffix}", f"wombat-staff-{suffix}"
    async with admin(stack.gateway_url) as http:
        for doc in (
            {
                "id": public,
                "title": f"Replacing a {product} card",
                "content": f"Order a replacement {product} card from the Cards page of the app.",
            },
            {
                "id": staff,
                "title": f"Internal: {product} card replacement",
                "content": f"Staff replace a {product} card with override code {marker}.",
                "audience": "internal",
            },
        ):
            assert (await http.post("/v1/kb/documents", json=doc)).status_code == 202
        for document_id in (public, staff):
            assert (await settled(http, document_id))["status"] == "indexed"
    cases = [
        {
            "id": "replace",
            "question": f"How do I replace my {product} card?",
            "expected_documents": [public, staff],
            "expects_human": False,
            "must_not_contain": [marker],
        },
        {"id": "person", "query": "Please let me talk to a human agent.", "expects_human": True},
    ]
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(case) + "\n" for case in cases))
    report = tmp_path / "report"
    process = await asyncio.create_subprocess_exec(
        str(SUPPORT_CLI),
        *("eval", "run", str(questions), "--tenant", "demo", "--gateway", stack.gateway_url),
        *("--report", str(report)),
        env=os.environ | stack.infra.env() | {"COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await process.communicate())[0].decode()
    assert process.returncode == 0, output
    written = json.loads(report.with_suffix(".json").read_text())
    figures, outcomes = written["totals"], {o["case_id"]: o for o in written["questions"]}
    assert figures["questions"] == 2 and figures["errors"] == 0, output
    assert figures["search_recall_at_10"] == 1.0
    assert figures["cited_recall_customer_facing"] == 1.0
    assert (figures["handoff_precision"], figures["handoff_recall"]) == (1.0, 1.0)
    assert figures["internal_documents_cited"] == 0
    assert figures["must_not_contain_violations"] == 0
    assert figures["degraded_turns"] == 0
    assert outcomes["replace"]["cited"] == [public] and product in outcomes["replace"]["answer"]
    assert outcomes["person"]["escalated"]
    assert outcomes["replace"]["degraded"] == [] and outcomes["person"]["degraded"] == []
    markdown = report.with_suffix(".md").read_text()
    assert "| degraded_turns | 0 |" in markdown and "| replace |" in markdown
