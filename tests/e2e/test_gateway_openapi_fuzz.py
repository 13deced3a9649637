"""schemathesis against the running gateway's own OpenAPI document: no 5xx, no status code the
document does not declare, and responses that match their declared schemas and headers. The
agents' live event stream is left out (its response never ends; tests/e2e/test_web_pages.py
drives it and checks who may open it)."""

import asyncio
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import Stack
from tests.support.client import create_session
from tests.support.tenants import new_tenant, role_token

pytestmark = pytest.mark.e2e
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 8
# Whom each API is for (by its first path segment after /v1); the rest is for admins.
ROLES = {"escalations": "agent", "audit": "auditor"}


def role_for(path: str) -> str:
    """The role an operation is for; a session's own routes are the customer's."""
    if path.startswith("/v1/sessions/"):
        return "customer"
    return ROLES.get(path.split("/")[2], "admin") if path.startswith("/v1/") else "admin"


BUDGET_SECONDS = 90
STREAMING = "text/event-stream"


def fuzz_operation(operation: schemathesis.APIOperation, headers: dict[str, str]) -> None:
    """Send the operation's generated examples with `headers`; raise on the first failure."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        case.headers = {**(case.headers or {}), **headers}
        case.call_and_validate(checks=CHECKS, timeout=30)

    run()


def fuzz(schema: schemathesis.BaseSchema, credentials: dict[str, dict[str, str]]) -> list[str]:
    """Fuzz every operation as the role it is for; return the failures."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if STREAMING in str(operation.definition.raw.get("responses", {})):
            continue
        role = role_for(operation.path)
        try:
            fuzz_operation(operation, credentials[role])
        except Exception as exc:  # every failing operation is reported, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    return failures


async def test_the_gateway_keeps_to_its_openapi_document(stack: Stack) -> None:
    tenant = await new_tenant(stack.infra)
    session = await create_session(stack.gateway_url, api_key=tenant.widget_key)
    agent = await role_token(stack.gateway_url, tenant.admin_key, "agent", "fuzz-agent")
    auditor = await role_token(stack.gateway_url, tenant.admin_key, "auditor", "fuzz-auditor")
    credentials = {
        "admin": {"X-API-Key": tenant.admin_key},
        "agent": {"Authorization": f"Bearer {agent}"},
        "auditor": {"Authorization": f"Bearer {auditor}"},
        "customer": {"Authorization": f"Bearer {session.token}"},
    }
    schema = schemathesis.openapi.from_url(f"{stack.gateway_url}/openapi.json")
    started = time.monotonic()
    failures = await asyncio.to_thread(fuzz, schema, credentials)
    assert not failures, "\n\n".join(failures)
    assert time.monotonic() - started < BUDGET_SECONDS
