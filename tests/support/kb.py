"""Helpers for knowledge-base tests: an admin HTTP client and status polling."""

from typing import Any

import httpx

from tests.support.client import DEMO_KEY
from tests.support.infra import wait_until


def admin(base_url: str, key: str = DEMO_KEY) -> httpx.AsyncClient:
    """An HTTP client using a tenant's admin key."""
    return httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": key}, timeout=30)


async def settled(
    client: httpx.AsyncClient, document_id: str, timeout: float = 60
) -> dict[str, Any]:
    """The document's status once it is no longer queued."""

    async def done() -> dict[str, Any] | None:
        response = await client.get(f"/v1/kb/documents/{document_id}")
        body: dict[str, Any] = response.json()
        return (
            body
            if response.status_code == 200 and body["status"] in ("indexed", "failed")
            else None
        )

    return await wait_until(done, timeout=timeout, interval=0.1)


async def gone(client: httpx.AsyncClient, document_id: str, timeout: float = 30) -> None:
    """Wait until the document is deleted."""

    async def missing() -> bool:
        return (await client.get(f"/v1/kb/documents/{document_id}")).status_code == 404

    await wait_until(missing, timeout=timeout, interval=0.1)


async def search(client: httpx.AsyncClient, query: str, **options: Any) -> dict[str, Any]:
    """Search results as the admin API returns them."""
    response = await client.post("/v1/kb/search", json={"query": query, **options})
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def document_ids(result: dict[str, Any]) -> list[str]:
    """Document ids of search results, best first."""
    return [hit["document_id"] for hit in result["results"]]
