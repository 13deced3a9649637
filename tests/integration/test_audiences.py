"""Knowledge audiences through every entry: the JSON and multipart APIs, batch JSONL, the CLI;
listing and search filtered by audience; staff-only passages kept apart from what a customer's
turn may cite; agents (not customers) may search them."""

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from contracts import RetrievalCompleted, RetrievalRequested
from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from gateway.tokens import Principal, TokenIssuer
from retrieval.app import create_app as create_retrieval
from retrieval.settings import RetrievalSettings
from support_core.runtime import ServiceRuntime
from support_core.settings import QdrantSettings, ServiceSettings
from tests.support.client import create_session
from tests.support.escalations import call
from tests.support.infra import RunInfra
from tests.support.kb import admin, settled
from tests.support.servers import serve_app
from tests.support.tenants import SUPPORT_CLI

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def stack(
    module_infra: RunInfra, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    """A gateway and a retrieval service (embedded Qdrant) in this process."""
    connections: dict[str, Any] = module_infra.settings()
    probe = ServiceRuntime(
        ServiceSettings(service_name="audprobe", **connections), instance_route=True
    )
    retrieval = create_retrieval(
        RetrievalSettings(qdrant=QdrantSettings(path=tmp_path_factory.mktemp("q")), **connections)
    )
    async with (
        serve_app(retrieval),
        serve_app(create_gateway(GatewaySettings(**connections))) as url,
    ):
        await probe.start()
        try:
            yield {"gateway": url, "probe": probe, "infra": module_infra}
        finally:
            await probe.stop()


def topic() -> str:
    return f"narwhal{uuid.uuid4().hex[:6]}"


async def listed(client: Any, audience: str) -> set[str]:
    response = await client.get("/v1/kb/documents", params={"audience": audience, "limit": 200})
    assert response.status_code == 200, response.text
    return {item["document_id"] for item in response.json()["items"]}


async def test_the_audience_is_set_by_json_multipart_and_batch_and_listed_by_audience(
    stack: dict[str, Any],
) -> None:
    word = topic()
    ids = {name: f"{name}-{word}" for name in ("json", "file", "batch-internal", "batch-plain")}
    async with admin(stack["gateway"]) as client:
        posted = await client.post(
            "/v1/kb/documents",
            json={
                "id": ids["json"],
                "title": "Internal: refunds",
                "content": f"Staff approve {word} refunds with the refund tool.",
                "audience": "internal",
            },
        )
        assert posted.status_code == 202 and posted.json()["audience"] == "internal"
        uploaded = await client.post(
            "/v1/kb/documents",
            files={"file": ("guide.md", f"Staff escalate {word} cases to tier two.".encode())},
            data={"id": ids["file"], "audience": "internal"},
        )
        assert uploaded.status_code == 202 and uploaded.json()["audience"] == "internal"
        lines = [
            {"id": ids["batch-internal"], "title": "Desk", "content": f"{word} desk notes."}
            | {"audience": "internal"},
            {"id": ids["batch-plain"], "title": "Help", "content": f"{word} help for you."},
        ]
        batch = await client.post(
            "/v1/kb/documents:batch",
            content="\n".join(json.dumps(line) for line in lines).encode(),
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert batch.status_code == 202, batch.text
        for doc_id in ids.values():
            assert (await settled(client, doc_id))["status"] == "indexed"
        internal, customer = await listed(client, "internal"), await listed(client, "customer")
        bad = await client.post(
            "/v1/kb/documents",
            json={"title": "x", "content": "y", "audience": "staff"},
        )
        assert bad.status_code == 422
        bad_form = await client.post(
            "/v1/kb/documents", files={"file": ("a.md", b"text")}, data={"audience": "staff"}
        )
        assert bad_form.status_code == 422
    assert {ids["json"], ids["file"], ids["batch-internal"]} <= internal
    assert ids["batch-plain"] in customer and ids["batch-plain"] not in internal


async def test_the_cli_sets_the_audience_of_files_and_of_lines_without_one(
    stack: dict[str, Any], tmp_path: Path
) -> None:
    word = topic()
    lines = tmp_path / "kb.jsonl"
    lines.write_text(
        json.dumps(
            {
                "id": f"own-{word}",
                "title": "Help",
                "content": f"{word} for customers.",
                "audience": "customer",
            }
        )
        + "\n"
        + json.dumps({"id": f"none-{word}", "title": "Desk", "content": f"{word} desk notes."})
        + "\n"
    )
    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / f"procedure-{word}.md").write_text(f"# Procedure\n\nStaff handle {word} calls.")
    env = os.environ | stack["infra"].env() | {"COLUMNS": "200"}
    for path in (lines, folder):
        process = await asyncio.create_subprocess_exec(
            str(SUPPORT_CLI),
            "kb",
            "ingest",
            str(path),
            "--tenant",
            "demo",
            "--audience",
            "internal",
            "--gateway",
            stack["gateway"],
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output = (await process.communicate())[0].decode()
        assert process.returncode == 0, output
    async with admin(stack["gateway"]) as client:
        internal, customer = await listed(client, "internal"), await listed(client, "customer")
    assert {f"none-{word}", f"procedure-{word}.md"} <= internal
    assert f"own-{word}" in customer


async def test_search_filters_by_audience_for_agents_and_admins_only(
    stack: dict[str, Any],
) -> None:
    word = topic()
    url = stack["gateway"]
    async with admin(url) as client:
        for doc_id, audience in ((f"pub-{word}", "customer"), (f"staff-{word}", "internal")):
            await client.post(
                "/v1/kb/documents",
                json={
                    "id": doc_id,
                    "title": f"{audience} {word}",
                    "content": f"How to replace a {word} card when it is lost.",
                    "audience": audience,
                },
            )
            assert (await settled(client, doc_id))["status"] == "indexed"
    issuer = TokenIssuer(GatewaySettings().jwt_secret.get_secret_value(), ttl_seconds=600)
    agent, _ = issuer.issue(Principal(tenant_id="demo", role="agent", subject="ada"))
    query = {"query": f"replace a lost {word} card", "top_k": 5}
    both = await call(url, "POST", "/v1/kb/search", agent, json=query)
    assert both.status_code == 200, both.text
    found = {hit["document_id"]: hit["audience"] for hit in both.json()["results"]}
    assert found[f"pub-{word}"] == "customer" and found[f"staff-{word}"] == "internal"
    only = await call(url, "POST", "/v1/kb/search", agent, json=query | {"audience": "internal"})
    assert {hit["audience"] for hit in only.json()["results"]} == {"internal"}
    customer = await create_session(url)
    refused = await call(url, "POST", "/v1/kb/search", customer.token, json=query)
    assert refused.status_code == 403


async def test_a_customer_turns_search_keeps_staff_passages_apart(stack: dict[str, Any]) -> None:
    word = topic()
    async with admin(stack["gateway"]) as client:
        for doc_id, audience, content in (
            (f"help-{word}", "customer", f"Order a new {word} card from the Cards page."),
            (f"desk-{word}", "internal", f"Staff order {word} cards with order_card_7731."),
        ):
            await client.post(
                "/v1/kb/documents",
                json={"id": doc_id, "title": doc_id, "content": content, "audience": audience},
            )
            assert (await settled(client, doc_id))["status"] == "indexed"
    probe: ServiceRuntime = stack["probe"]
    for guidance_top_k in (2, 2):  # the second answer comes from the cache
        request = RetrievalRequested(
            tenant_id="demo",
            query=f"How do I order a new {word} card?",
            audiences=["customer"],
            guidance_top_k=guidance_top_k,
        )
        reply = await probe.instance.request(request, RetrievalCompleted, timeout=20)
        assert reply.chunks and {c.audience for c in reply.chunks} == {"customer"}
        assert f"desk-{word}" not in {c.document_id for c in reply.chunks}
        assert [g.document_id for g in reply.guidance][:1] == [f"desk-{word}"]
        assert {g.audience for g in reply.guidance} == {"internal"}
    plain = RetrievalRequested(tenant_id="demo", query=f"How do I order a new {word} card?")
    default = await probe.instance.request(plain, RetrievalCompleted, timeout=20)
    assert f"desk-{word}" not in {c.document_id for c in default.chunks} and not default.guidance


async def test_a_customer_pages_section_written_to_staff_is_staff_only(
    stack: dict[str, Any],
) -> None:
    word = topic()
    doc_id = f"page-{word}"
    for_you = " ".join(
        f"You can replace a damaged {word} card from the Cards page of the app, step {n}."
        for n in range(6)
    )
    for_staff = " ".join(
        f"Ask the customer to confirm the {word} card's last four digits, check {n}."
        for n in range(6)
    )
    content = f"## Replacing your card\n\n{for_you}\n\n## Agent steps\n\n{for_staff}"
    async with admin(stack["gateway"]) as client:
        posted = await client.post(
            "/v1/kb/documents", json={"id": doc_id, "title": "Cards", "content": content}
        )
        assert posted.status_code == 202, posted.text
        assert (await settled(client, doc_id))["status"] == "indexed"
        assert doc_id in await listed(client, "customer")
    probe: ServiceRuntime = stack["probe"]
    for query in (f"replace a damaged {word} card", f"confirm the {word} card's last digits"):
        request = RetrievalRequested(
            tenant_id="demo", query=query, audiences=["customer"], guidance_top_k=2
        )
        reply = await probe.instance.request(request, RetrievalCompleted, timeout=20)
        # The page stays citable by its customer section, whichever section matched best.
        cited = " ".join(c.text or "" for c in reply.chunks if c.document_id == doc_id)
        assert "You can replace" in cited and "Ask the customer" not in cited
    guidance = " ".join(g.text or "" for g in reply.guidance if g.document_id == doc_id)
    assert "Ask the customer" in guidance
