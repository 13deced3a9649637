"""`support`: the operators' command line (tenants, knowledge base, parked messages)."""

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gateway.dlq import dlq_app
from gateway.knowledge import SUFFIX_TYPES
from gateway.settings import GatewaySettings
from gateway.tenants import KeyRole, TenantDirectory
from gateway.tokens import Principal, TokenIssuer
from support_core.db import create_engine

app = typer.Typer(help="Operate the support platform.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants and their API keys.", no_args_is_help=True)
kb_app = typer.Typer(help="Knowledge-base documents.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(kb_app, name="kb")
app.add_typer(dlq_app, name="dlq")
console = Console()

GatewayOption = Annotated[
    str, typer.Option("--gateway", envvar="SUPPORT_GATEWAY_URL", help="Gateway base URL.")
]
TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id.")]
BATCH_LINES = 100


@tenant_app.command("create")
def create_tenant(
    name: Annotated[str, typer.Argument(help="Display name; its slug is the id.")],
) -> None:
    """Create a tenant and print its admin and widget keys (shown only this once)."""

    async def create() -> tuple[str, dict[KeyRole, str]]:
        engine = create_engine(GatewaySettings().database)
        try:
            tenant_id, keys = await TenantDirectory(engine).create(name)
        finally:
            await engine.dispose()
        return tenant_id, keys

    tenant_id, keys = asyncio.run(create())
    console.print(f"tenant [bold]{tenant_id}[/bold] created; store these keys now:")
    console.print(f"  admin key:  {keys['admin']}")
    console.print(f"  widget key: {keys['widget']}")


def admin_client(gateway: str, tenant: str) -> httpx.Client:
    """An HTTP client acting as the tenant's admin with a short-lived token."""
    settings = GatewaySettings()
    issuer = TokenIssuer(settings.jwt_secret.get_secret_value(), ttl_seconds=3600)
    token, _ = issuer.issue(Principal(tenant_id=tenant, role="admin", subject="support-cli"))
    return httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def files_under(path: Path) -> list[Path]:
    """Supported files: the path itself, or every supported file below a folder."""
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*") if p.is_file() and p.suffix.lstrip(".").lower() in SUFFIX_TYPES
    )


def batches(path: Path) -> Iterator[list[str]]:
    """Non-empty lines of a JSONL file in groups."""
    batch: list[str] = []
    with path.open() as lines:
        for line in lines:
            if line.strip():
                batch.append(line)
            if len(batch) == BATCH_LINES:
                yield batch
                batch = []
    if batch:
        yield batch


def check(response: httpx.Response) -> httpx.Response:
    """Stop with the gateway's explanation on an error."""
    if response.is_error:
        console.print(f"[red]{response.status_code}[/red] {response.text}")
        raise typer.Exit(1)
    return response


@kb_app.command("ingest")
def ingest(
    path: Annotated[Path, typer.Argument(exists=True, help="A file, a folder or a JSONL file.")],
    tenant: TenantOption,
    gateway: GatewayOption = "http://127.0.0.1:8000",
    wait: Annotated[bool, typer.Option(help="Wait until every document is indexed.")] = True,
) -> None:
    """Upload documents and follow their indexing."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    submitted: list[str] = []
    with admin_client(gateway, tenant) as client, Progress(*columns, console=console) as progress:
        if path.suffix.lower() == ".jsonl":
            total = sum(1 for line in path.open() if line.strip())
            task = progress.add_task("uploading", total=total)
            for batch in batches(path):
                body = check(
                    client.post(
                        "/v1/kb/documents:batch",
                        content="".join(batch).encode(),
                        headers={"Content-Type": "application/x-ndjson"},
                    )
                ).json()
                submitted += [d["document_id"] for d in body["documents"]]
                progress.advance(task, len(batch))
        else:
            files = files_under(path)
            task = progress.add_task("uploading", total=len(files))
            for file in files:
                with file.open("rb") as handle:
                    body = check(
                        client.post("/v1/kb/documents", files={"file": (file.name, handle)})
                    ).json()
                submitted.append(body["document_id"])
                progress.advance(task)
        if wait:
            follow(client, progress, submitted)


def follow(client: httpx.Client, progress: Progress, document_ids: list[str]) -> None:
    """Wait until none of the tenant's documents is queued, then report this upload's failures."""
    task = progress.add_task("indexing", total=len(document_ids))
    while True:
        queued = check(client.get("/v1/kb/documents", params={"status": "queued", "limit": 1}))
        remaining = min(queued.json()["total"], len(document_ids))
        progress.update(task, completed=len(document_ids) - remaining)
        if remaining == 0:
            break
        time.sleep(0.5)
    ours = set(document_ids)
    offset = 0
    while True:
        page = check(
            client.get(
                "/v1/kb/documents", params={"status": "failed", "limit": 200, "offset": offset}
            )
        ).json()
        for document in page["items"]:
            if document["document_id"] in ours:
                console.print(f"[red]failed[/red] {document['document_id']}: {document['reason']}")
        offset += len(page["items"])
        if offset >= page["total"] or not page["items"]:
            break


@kb_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What a customer might ask.")],
    tenant: TenantOption,
    gateway: GatewayOption = "http://127.0.0.1:8000",
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or lexical")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
) -> None:
    """Search a tenant's knowledge base the way the assistant does."""
    with admin_client(gateway, tenant) as client:
        body = check(
            client.post("/v1/kb/search", json={"query": query, "top_k": top_k, "mode": mode})
        ).json()
    if as_json:
        console.print_json(json.dumps(body))
        return
    table = Table("#", "score", "document", "title", "snippet")
    for rank, hit in enumerate(body["results"], start=1):
        table.add_row(
            str(rank), f"{hit['score']:.4f}", hit["document_id"], hit["title"], hit["snippet"][:120]
        )
    console.print(table)
