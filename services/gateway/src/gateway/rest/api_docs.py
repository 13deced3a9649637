"""Swagger UI at `/docs` and ReDoc at `/redoc`, with their assets from the `fastapi-offline`
package: no CDN and no inline script, so the pages keep the gateway's content security policy.
ReDoc writes its styles into `<style>` elements and runs its search in a worker: its page allows
those by a nonce of its own response, the hashes of the two styles the bundle inserts before it
reads the nonce, and workers from `blob:`; never by `'unsafe-inline'`."""

import secrets
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gateway.deps import GatewayDep
from gateway.security import security_headers

ASSETS = "/static/api-docs"
REDOC_EARLY_STYLES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
)
router = APIRouter(include_in_schema=False)
assets = StaticFiles(directory=str(files("fastapi_offline") / "static"))
SWAGGER = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support platform API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg"></head>
<body><div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script></body></html>"""
REDOC = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support platform API</title>
<link rel="icon" href="/static/favicon.svg"></head>
<body><div id="redoc" data-style-nonce="{{nonce}}"></div>
<script src="{ASSETS}/redoc.standalone.js"></script>
<script src="/static/api-docs.js"></script></body></html>"""


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    """Swagger UI over the gateway's OpenAPI document."""
    return HTMLResponse(SWAGGER)


@router.get("/redoc")
async def redoc(gateway: GatewayDep) -> HTMLResponse:
    """ReDoc over the gateway's OpenAPI document."""
    nonce = secrets.token_urlsafe(16)
    headers = dict(security_headers(gateway.settings))
    policy = headers[b"content-security-policy"].decode()
    styles = " ".join((f"'nonce-{nonce}'", *REDOC_EARLY_STYLES))
    policy = policy.replace("style-src 'self'", f"style-src 'self' {styles}")
    policy += "; worker-src 'self' blob:"
    return HTMLResponse(
        REDOC.replace("{nonce}", nonce), headers={"content-security-policy": policy}
    )
