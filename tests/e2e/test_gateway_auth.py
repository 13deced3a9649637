"""Roles and tenants at the REST surface: each role is refused what it may not do, and another
tenant's session, document or ticket is answered exactly like a missing one."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from tests.e2e.conftest import Stack
from tests.support.client import FrameReader, chat_turn, connect, create_session
from tests.support.infra import wait_until
from tests.support.tenants import Tenant, new_tenant, role_token

pytestmark = pytest.mark.e2e


@dataclass
class Callers:
    """One tenant's credentials, by role."""

    tenant: Tenant
    customer: str
    session_id: str
    agent: str
    auditor: str

    def headers(self, role: str) -> dict[str, str]:
        """Auth headers for a role ("admin" uses the API key, "widget" the public key)."""
        if role == "admin":
            return {"X-API-Key": self.tenant.admin_key}
        if role == "widget":
            return {"X-API-Key": self.tenant.widget_key}
        return {"Authorization": f"Bearer {getattr(self, role)}"}


async def callers_of(stack: Stack) -> Callers:
    tenant = await new_tenant(stack.infra)
    session = await create_session(stack.gateway_url, api_key=tenant.widget_key)
    agent = await role_token(stack.gateway_url, tenant.admin_key, "agent", "agent-1")
    auditor = await role_token(stack.gateway_url, tenant.admin_key, "auditor", "auditor-1")
    return Callers(tenant, session.token, session.session_id, agent, auditor)


@pytest.fixture(scope="module")
async def tenants(stack: Stack) -> AsyncIterator[tuple[Callers, Callers]]:
    yield await callers_of(stack), await callers_of(stack)


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        yield client


ROLE_CASES = [
    # (method, path, role, expected status)
    ("GET", "/v1/kb/documents", None, 401),
    ("GET", "/v1/kb/documents", "widget", 401),
    ("GET", "/v1/kb/documents", "customer", 403),
    ("GET", "/v1/kb/documents", "agent", 403),
    ("GET", "/v1/kb/documents", "auditor", 403),
    ("GET", "/v1/kb/documents", "admin", 200),
    ("GET", "/v1/escalations", None, 401),
    ("GET", "/v1/escalations", "customer", 403),
    ("GET", "/v1/escalations", "auditor", 403),
    ("GET", "/v1/escalations", "agent", 200),
    ("POST", "/v1/tokens", "customer", 403),
    ("POST", "/v1/tokens", "agent", 403),
    ("POST", "/v1/tokens", "widget", 401),
    ("GET", "/v1/customers/c-1/export", "agent", 403),
    ("DELETE", "/v1/customers/c-1", "customer", 403),
    ("POST", "/v1/sessions", "customer", 401),
]


@pytest.mark.parametrize(("method", "path", "role", "expected"), ROLE_CASES)
async def test_each_role_gets_only_what_it_may(
    tenants: tuple[Callers, Callers],
    http: httpx.AsyncClient,
    method: str,
    path: str,
    role: str | None,
    expected: int,
) -> None:
    mine, _ = tenants
    headers = mine.headers(role) if role else {}
    body = {"role": "agent", "subject": "x"} if path == "/v1/tokens" else {}
    response = await http.request(
        method, path, headers=headers, json=body if method == "POST" else None
    )
    assert response.status_code == expected, response.text
    if expected == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_customer_reads_only_its_own_session(
    tenants: tuple[Callers, Callers], http: httpx.AsyncClient
) -> None:
    mine, theirs = tenants
    own = await http.get(
        f"/v1/sessions/{mine.session_id}/messages", headers=mine.headers("customer")
    )
    assert own.status_code == 200
    paths = [
        f"/v1/sessions/{theirs.session_id}/messages",
        f"/v1/sessions/{uuid.uuid4()}/messages",
        f"/v1/sessions/{theirs.session_id}/attachments/a-1",
    ]
    for path in paths:
        refused = await http.get(path, headers=mine.headers("customer"))
        assert refused.status_code == 404, path


async def test_another_tenants_document_is_answered_like_a_missing_one(
    tenants: tuple[Callers, Callers], http: httpx.AsyncClient
) -> None:
    mine, theirs = tenants
    uploaded = await http.post(
        "/v1/kb/documents",
        json={"id": "their-doc", "title": "Theirs", "content": "Only for the other tenant."},
        headers=theirs.headers("admin"),
    )
    assert uploaded.status_code == 202, uploaded.text
    assert (
        await http.get("/v1/kb/documents/their-doc", headers=theirs.headers("admin"))
    ).status_code == 200

    foreign = await http.get("/v1/kb/documents/their-doc", headers=mine.headers("admin"))
    missing = await http.get("/v1/kb/documents/no-such-doc", headers=mine.headers("admin"))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    deleted = await http.delete("/v1/kb/documents/their-doc", headers=mine.headers("admin"))
    assert deleted.status_code == 404


async def test_another_tenants_ticket_is_answered_like_a_missing_one(
    stack: Stack, tenants: tuple[Callers, Callers], http: httpx.AsyncClient
) -> None:
    mine, theirs = tenants
    session = await create_session(stack.gateway_url, api_key=theirs.tenant.widget_key)
    async with connect(session) as ws:
        completed = await chat_turn(FrameReader(ws), "I want to talk to a human agent", "m-1")
    assert completed["escalated"], completed
    ticket_id = completed["ticket_id"]

    async def visible_to_them() -> bool:
        found = await http.get(f"/v1/escalations/{ticket_id}", headers=theirs.headers("agent"))
        return found.status_code == 200

    await wait_until(visible_to_them, timeout=15)
    for action in ("", "/claim"):
        method = "POST" if action else "GET"
        foreign = await http.request(
            method, f"/v1/escalations/{ticket_id}{action}", headers=mine.headers("agent")
        )
        missing = await http.request(
            method, f"/v1/escalations/{uuid.uuid4()}{action}", headers=mine.headers("agent")
        )
        assert foreign.status_code == missing.status_code == 404, action
        assert foreign.json() == missing.json()
