"""The committed OpenAPI document is the app's, and every API route documents its errors."""

import json
from pathlib import Path

from gateway.app import create_app
from gateway.openapi import render

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_the_committed_openapi_document_is_in_sync_with_the_app() -> None:
    assert COMMITTED.read_text() == render(create_app()), "regenerate it: ./task openapi"


def test_every_api_operation_declares_its_auth_and_validation_errors() -> None:
    document = json.loads(render(create_app()))
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in codes, (method, path)


def test_routes_that_need_a_role_declare_403() -> None:
    document = json.loads(render(create_app()))
    kb_upload = document["paths"]["/v1/kb/documents"]["post"]["responses"]
    session = document["paths"]["/v1/sessions"]["post"]["responses"]
    assert "403" in kb_upload
    assert "403" not in session
    assert session["429"]["headers"]["Retry-After"]
