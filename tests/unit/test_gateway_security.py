"""Security headers and the CORS allow-list, as a browser sees them (the app is not started:
these responses need no broker, database or Redis)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import GatewaySettings

SHOP = "https://shop.example"


async def client(settings: GatewaySettings) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


@pytest.fixture
async def configured() -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(cors_origins=[SHOP], frame_ancestors=[SHOP], hsts_seconds=31536000)
    async with await client(settings) as http:
        yield http


@pytest.fixture
async def default() -> AsyncIterator[httpx.AsyncClient]:
    async with await client(GatewaySettings()) as http:
        yield http


async def test_pages_and_api_carry_the_security_headers(default: httpx.AsyncClient) -> None:
    for path in ("/", "/agent", "/static/widget.js", "/healthz"):
        response = await default.get(path)
        assert response.status_code == 200, path
        headers = response.headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "connect-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in headers


async def test_configured_embedding_and_hsts(configured: httpx.AsyncClient) -> None:
    headers = (await configured.get("/")).headers
    assert f"frame-ancestors {SHOP}" in headers["content-security-policy"]
    assert "x-frame-options" not in headers
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_an_allowed_origin_passes_the_preflight_and_others_do_not(
    configured: httpx.AsyncClient,
) -> None:
    def preflight(origin: str) -> dict[str, str]:
        return {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, content-type",
        }

    allowed = await configured.options("/v1/sessions", headers=preflight(SHOP))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()

    refused = await configured.options("/v1/sessions", headers=preflight("https://evil.example"))
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers

    simple = await configured.get("/healthz", headers={"Origin": SHOP})
    assert simple.headers["access-control-allow-origin"] == SHOP
    assert "retry-after" in simple.headers["access-control-expose-headers"].lower()


async def test_without_an_allow_list_no_origin_is_allowed(default: httpx.AsyncClient) -> None:
    response = await default.get("/healthz", headers={"Origin": SHOP})
    assert "access-control-allow-origin" not in response.headers
