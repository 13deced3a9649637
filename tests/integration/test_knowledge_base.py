"""The knowledge base through the gateway's admin API and the real broker: ingest, search,
update, delete, isolation, bad input, session attachments, caching, broken Qdrant."""

import base64
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from contracts import (
    DocumentIngestRequested,
    Embedding,
    RetrievalCompleted,
    RetrievalRequested,
)
from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from retrieval.app import create_app as create_retrieval
from retrieval.settings import RetrievalSettings
from support_core.runtime import ServiceRuntime
from support_core.settings import QdrantSettings, ServiceSettings
from support_embeddings import Embedder, EmbeddingSettings
from tests.support.client import create_session
from tests.support.documents import CORRUPT_PDF, HTML_PAGE, pdf_with_text
from tests.support.infra import RunInfra, wait_until
from tests.support.kb import admin, document_ids, gone, search, settled
from tests.support.servers import serve_app

pytestmark = pytest.mark.integration
MAX_BYTES = 200_000


@pytest.fixture(scope="module")
async def stack(
    module_infra: RunInfra, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, object]]:
    """A gateway and a retrieval service (embedded Qdrant) in this process, on their own vhost."""
    connections: dict[str, Any] = module_infra.settings()
    gateway_app = create_gateway(GatewaySettings(max_document_bytes=MAX_BYTES, **connections))
    retrieval_app = create_retrieval(
        RetrievalSettings(
            qdrant=QdrantSettings(path=tmp_path_factory.mktemp("qdrant")),
            purge_interval_seconds=0.3,
            **connections,
        )
    )
    probe = ServiceRuntime(
        ServiceSettings(service_name="kbprobe", **connections), instance_route=True
    )
    async with serve_app(retrieval_app) as retrieval_url, serve_app(gateway_app) as gateway_url:
        await probe.start()
        try:
            yield {
                "gateway": gateway_url,
                "retrieval": retrieval_url,
                "probe": probe,
                "app": gateway_app,
            }
        finally:
            await probe.stop()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def session_search(
    probe: ServiceRuntime, session_id: str | None, query: str
) -> RetrievalCompleted:
    """A `retrieval.requested` event, as the orchestrator sends it."""
    request = RetrievalRequested(tenant_id="demo", session_id=session_id, query=query, top_k=5)
    return await probe.instance.request(request, RetrievalCompleted, timeout=20)


async def test_an_ingested_document_is_found_with_its_citation_fields(
    stack: dict[str, object],
) -> None:
    doc_id = unique("lost-card")
    async with admin(str(stack["gateway"])) as client:
        response = await client.post(
            "/v1/kb/documents",
            json={
                "id": doc_id,
                "title": "Reporting a lost card",
                "content": "## Lost card\n\nFreeze a lost flamingo card in the app, then call us "
                "to order a replacement delivered within five days.",
                "source_url": "https://help.example/lost-card",
            },
        )
        assert response.status_code == 202
        assert response.json()["status"] == "queued"
        status = await settled(client, doc_id)
        assert status["status"] == "indexed" and status["chunk_count"] == 1
        result = await search(client, "my flamingo card is lost, what now?")
    top = result["results"][0]
    assert top["document_id"] == doc_id
    assert top["title"] == "Reporting a lost card"
    assert top["heading_path"] == ["Lost card"]
    assert top["source_url"] == "https://help.example/lost-card"
    assert "flamingo" in top["snippet"]
    assert top["chunk_id"] and top["score"] > 0


async def test_a_query_embedding_sent_along_is_used_instead_of_embedding_again(
    stack: dict[str, object],
) -> None:
    """The orchestrator embeds a message once and sends the vector; a vector of another model
    is ignored and the query text embedded here."""
    marker = uuid.uuid4().hex[:6]
    topics = {
        "penguin": "Penguin savings vaults pay interest every month on the balance.",
        "volcano": "Volcano mortgages can be overpaid once a year without a fee.",
    }
    async with admin(str(stack["gateway"])) as client:
        for topic, content in topics.items():
            doc_id = f"{topic}-{marker}"
            await client.post(
                "/v1/kb/documents", json={"id": doc_id, "title": topic, "content": content}
            )
            assert (await settled(client, doc_id))["status"] == "indexed"
    embedder = Embedder(EmbeddingSettings())
    sent = await embedder.describe(topics["penguin"])
    probe = stack["probe"]
    assert isinstance(probe, ServiceRuntime)

    async def top(embedding: Embedding, top_k: int) -> str:
        # Different top_k: results are cached by query text, as an embedding follows from it.
        request = RetrievalRequested(
            tenant_id="demo",
            query=topics["volcano"],
            mode="dense",
            top_k=top_k,
            embedding=embedding,
        )
        reply = await probe.instance.request(request, RetrievalCompleted, timeout=20)
        return reply.chunks[0].document_id

    assert await top(sent, 4) == f"penguin-{marker}"
    assert await top(sent.model_copy(update={"model": "another/model"}), 3) == f"volcano-{marker}"


async def test_reingest_unchanged_is_a_no_op_and_an_update_replaces_the_chunks(
    stack: dict[str, object],
) -> None:
    doc_id = unique("fees")
    original = {
        "id": doc_id,
        "title": "Fees",
        "content": "Wire transfers to zanzibar cost 17 dollars.",
    }
    async with admin(str(stack["gateway"])) as client:
        await client.post("/v1/kb/documents", json=original)
        await settled(client, doc_id)
        before = await search(client, "wire transfer zanzibar cost")
        await client.post("/v1/kb/documents", json=original)
        again = await settled(client, doc_id)
        after = await search(client, "wire transfer zanzibar cost", top_k=6)
        assert again["status"] == "indexed"
        assert before["results"][0]["chunk_id"] == after["results"][0]["chunk_id"]

        updated = dict(original, content="Wire transfers to quokka island cost 9 dollars.")
        await client.post("/v1/kb/documents", json=updated)
        await wait_until(
            lambda: _indexed_snippet(client, "quokka island wire", doc_id, "quokka"), timeout=60
        )
        stale = await search(client, "zanzibar wire transfer cost")
    assert all("zanzibar" not in hit["snippet"] for hit in stale["results"])


async def _indexed_snippet(client: httpx.AsyncClient, query: str, doc_id: str, word: str) -> bool:
    result = await search(client, query)
    return any(h["document_id"] == doc_id and word in h["snippet"] for h in result["results"])


async def test_a_deleted_document_is_no_longer_found(stack: dict[str, object]) -> None:
    doc_id = unique("pets")
    async with admin(str(stack["gateway"])) as client:
        await client.post(
            "/v1/kb/documents",
            json={"id": doc_id, "title": "Pets", "content": "Axolotl insurance is not offered."},
        )
        await settled(client, doc_id)
        assert doc_id in document_ids(await search(client, "axolotl insurance"))
        assert (await client.delete(f"/v1/kb/documents/{doc_id}")).status_code == 202
        await gone(client, doc_id)
        assert doc_id not in document_ids(await search(client, "axolotl insurance"))
        assert (await client.delete(f"/v1/kb/documents/{doc_id}")).status_code == 404


async def test_tenants_never_see_each_other(stack: dict[str, object]) -> None:
    gateway = stack["app"].state.gateway  # type: ignore[attr-defined]
    _, keys = await gateway.tenants.create(unique("Globex"))
    doc_id = unique("secret")
    async with (
        admin(str(stack["gateway"])) as acme,
        admin(str(stack["gateway"]), keys["admin"]) as globex,
    ):
        await acme.post(
            "/v1/kb/documents",
            json={"id": doc_id, "title": "Secret", "content": "The vault code word is marmalade."},
        )
        await settled(acme, doc_id)
        assert doc_id in document_ids(await search(acme, "vault code word marmalade"))
        assert document_ids(await search(globex, "vault code word marmalade")) == []
        assert (await globex.get(f"/v1/kb/documents/{doc_id}")).status_code == 404
        assert (await globex.delete(f"/v1/kb/documents/{doc_id}")).status_code == 404


@pytest.mark.parametrize(
    ("request_kwargs", "status", "detail"),
    [
        (
            {"files": {"file": ("x.zip", b"PK\x03\x04", "application/zip")}},
            415,
            "unsupported content type",
        ),
        ({"files": {"file": ("empty.md", b"  \n", "text/markdown")}}, 422, "empty"),
        ({"files": {"file": ("big.txt", b"a" * (MAX_BYTES + 1), "text/plain")}}, 413, "limited to"),
        ({"json": {"title": "no content"}}, 422, "content"),
        (
            {"content": b"<xml/>", "headers": {"Content-Type": "application/xml"}},
            415,
            "application/json",
        ),
        ({"json": {"id": "a/b", "title": "t", "content": "c"}}, 422, "document ids"),
    ],
)
async def test_bad_uploads_get_a_clear_4xx(
    stack: dict[str, object], request_kwargs: dict[str, object], status: int, detail: str
) -> None:
    async with admin(str(stack["gateway"])) as client:
        response = await client.post("/v1/kb/documents", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert detail in str(response.json()["detail"])


async def test_a_bad_jsonl_line_is_named_and_nothing_is_queued(stack: dict[str, object]) -> None:
    doc_id = unique("batch")
    body = (
        f'{{"id": "{doc_id}", "title": "ok", "content": "fine"}}\n{{"title": "missing content"}}\n'
    )
    async with admin(str(stack["gateway"])) as client:
        response = await client.post(
            "/v1/kb/documents:batch", content=body, headers={"Content-Type": "application/x-ndjson"}
        )
        assert response.status_code == 422
        assert response.json()["detail"].startswith("line 2")
        assert (await client.get(f"/v1/kb/documents/{doc_id}")).status_code == 404


async def test_corrupt_files_fail_with_a_reason_and_the_worker_keeps_going(
    stack: dict[str, object],
) -> None:
    async with admin(str(stack["gateway"])) as client:
        corrupt = await client.post(
            "/v1/kb/documents", files={"file": ("broken.pdf", CORRUPT_PDF, "application/pdf")}
        )
        good_pdf = await client.post(
            "/v1/kb/documents",
            files={
                "file": (
                    f"{unique('guide')}.pdf",
                    pdf_with_text("Platypus accounts earn 4 percent."),
                    "application/pdf",
                )
            },
        )
        page = await client.post(
            "/v1/kb/documents", files={"file": (f"{unique('page')}.html", HTML_PAGE, "text/html")}
        )
        failed = await settled(client, corrupt.json()["document_id"])
        assert failed["status"] == "failed" and "PDF cannot be read" in failed["reason"]
        assert (await settled(client, good_pdf.json()["document_id"]))["status"] == "indexed"
        assert (await settled(client, page.json()["document_id"]))["status"] == "indexed"
        assert good_pdf.json()["document_id"] in document_ids(
            await search(client, "platypus account interest")
        )


async def test_batches_are_indexed(stack: dict[str, object]) -> None:
    ids = [unique("bulk") for _ in range(3)]
    lines = "\n".join(
        f'{{"id": "{i}", "title": "Bulk {n}", "content": "Bulk item number {n} about pelicans."}}'
        for n, i in enumerate(ids)
    )
    async with admin(str(stack["gateway"])) as client:
        response = await client.post(
            "/v1/kb/documents:batch",
            content=lines,
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 202 and response.json()["accepted"] == 3
        for doc_id in ids:
            assert (await settled(client, doc_id))["status"] == "indexed"
        listed = (await client.get("/v1/kb/documents", params={"limit": 200})).json()
    assert set(ids) <= {item["document_id"] for item in listed["items"]}


async def test_an_attachment_is_searchable_only_in_its_session(stack: dict[str, object]) -> None:
    gateway_url, probe = str(stack["gateway"]), stack["probe"]
    assert isinstance(probe, ServiceRuntime)
    mine, other = await create_session(gateway_url), await create_session(gateway_url)
    async with httpx.AsyncClient(
        base_url=gateway_url, headers={"Authorization": f"Bearer {mine.token}"}
    ) as customer:
        response = await customer.post(
            f"/v1/sessions/{mine.session_id}/attachments",
            files={
                "file": (
                    "statement.txt",
                    b"My statement shows a charge from Okapi Outfitters.",
                    "text/plain",
                )
            },
        )
        assert response.status_code == 202
        attachment = response.json()["document_id"]
        await wait_until(
            lambda: _attachment_indexed(customer, mine.session_id, attachment), timeout=60
        )
        stolen = await customer.get(f"/v1/sessions/{other.session_id}/attachments/{attachment}")
        assert stolen.status_code == 404
    here = await session_search(probe, mine.session_id, "charge from Okapi Outfitters")
    elsewhere = await session_search(probe, other.session_id, "charge from Okapi Outfitters")
    knowledge_base = await session_search(probe, None, "charge from Okapi Outfitters")
    assert attachment in [c.document_id for c in here.chunks]
    assert attachment not in [c.document_id for c in elsewhere.chunks + knowledge_base.chunks]


async def _attachment_indexed(client: httpx.AsyncClient, session_id: str, attachment: str) -> bool:
    response = await client.get(f"/v1/sessions/{session_id}/attachments/{attachment}")
    return response.status_code == 200 and response.json()["status"] == "indexed"


async def test_an_attachment_expires_with_its_session(stack: dict[str, object]) -> None:
    probe = stack["probe"]
    assert isinstance(probe, ServiceRuntime)
    session_id = str(uuid.uuid4())
    await probe.publisher.publish(
        DocumentIngestRequested(
            tenant_id="demo",
            session_id=session_id,
            document_id=unique("receipt"),
            title="Receipt",
            content_type="text/plain",
            content_b64=base64.b64encode(b"Paid the wombat wrangler 40 dollars.").decode(),
            metadata={"expires_at": time.time() + 3},
        )
    )
    found = await wait_until(
        lambda: _session_hits(probe, session_id, "wombat wrangler"), timeout=60
    )
    assert found
    await wait_until(lambda: _no_session_hits(probe, session_id, "wombat wrangler"), timeout=30)


async def _session_hits(probe: ServiceRuntime, session_id: str, query: str) -> bool:
    return any(
        c.title == "Receipt" for c in (await session_search(probe, session_id, query)).chunks
    )


async def _no_session_hits(probe: ServiceRuntime, session_id: str, query: str) -> bool:
    return not await _session_hits(probe, session_id, query)


async def test_cached_results_are_invalidated_when_the_knowledge_base_changes(
    stack: dict[str, object],
) -> None:
    query = f"capybara mortgage rates {uuid.uuid4().hex[:6]}"
    async with admin(str(stack["gateway"])) as client:
        first = await search(client, query)
        second = await search(client, query)
        assert (first["cached"], second["cached"]) == (False, True)
        doc_id = unique("capybara")
        await client.post(
            "/v1/kb/documents",
            json={
                "id": doc_id,
                "title": "Capybara mortgages",
                "content": "Capybara mortgage rates start at 3 percent.",
            },
        )
        await settled(client, doc_id)
        third = await search(client, query)
    assert third["cached"] is False
    assert doc_id in document_ids(third)
