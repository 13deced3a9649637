"""Agents and admins talking to the gateway's escalation endpoints, as the agent console does."""

from typing import Any

import httpx


def bearer(token: str) -> dict[str, str]:
    """Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


async def call(base_url: str, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
    """One request with a bearer token."""
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as http:
        return await http.request(method, path, headers=bearer(token), **kwargs)


async def tickets_of(base_url: str, token: str, session_id: str) -> list[dict[str, Any]]:
    """Every ticket of one session (newest first), through the paged listing."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 200}
    while True:
        response = await call(base_url, "GET", "/v1/escalations", token, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        found += [t for t in page["tickets"] if t["session_id"] == session_id]
        if not page.get("next_before"):
            return found
        params["before"] = page["next_before"]
