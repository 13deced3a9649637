"""`support`: the operators' command line (tenants, knowledge base, parked messages, evaluation)."""

import asyncio
import json
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gateway.knowledge import SUFFIX_TYPES
from gateway.settings import GatewaySettings
from gateway.tenants import KeyRole, TenantDirectory
from gateway.tokens import Principal, TokenIssuer
from support_cli.dlq import dlq_app
from support_cli.evaluation import (
    Evaluator,
    Outcome,
    internal_documents,
    load_cases,
    totals,
    write_reports,
)
from support_core.db import create_engine
from support_core.messaging.catalogue import BINDINGS, Topology

app = typer.Typer(help="Operate the support platform.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants and their API keys.", no_args_is_help=True)
kb_app = typer.Typer(help="Knowledge-base documents.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(kb_app, name="kb")
app.add_typer(dlq_app, name="dlq")
eval_app = typer.Typer(help="Test the assistant before launch.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
topology_app = typer.Typer(help="The broker's exchanges and queues.", no_args_is_help=True)
app.add_typer(topology_app, name="topology")
console = Console()


class AudienceChoice(StrEnum):
    """Who documents are written for."""

    customer = "customer"
    internal = "internal"


GatewayOption = Annotated[
    str, typer.Option("--gateway", envvar="SUPPORT_GATEWAY_URL", help="Gateway base URL.")
]
TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id.")]
BATCH_LINES = 100
PROGRESS_COLUMNS = (
    TextColumn("{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
)


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


def admin_headers(tenant: str) -> dict[str, str]:
    """Credentials of the tenant's admin: a short-lived token signed with the gateway's secret."""
    settings = GatewaySettings()
    issuer = TokenIssuer(settings.jwt_secret.get_secret_value(), ttl_seconds=3600)
    token, _ = issuer.issue(Principal(tenant_id=tenant, role="admin", subject="support-cli"))
    return {"Authorization": f"Bearer {token}"}


def admin_client(gateway: str, tenant: str) -> httpx.Client:
    """An HTTP client acting as the tenant's admin."""
    return httpx.Client(base_url=gateway, headers=admin_headers(tenant), timeout=60)


def files_under(path: Path) -> list[Path]:
    """Supported files: the path itself, or every supported file below a folder."""
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*") if p.is_file() and p.suffix.lstrip(".").lower() in SUFFIX_TYPES
    )


def with_audience(line: str, audience: str | None) -> str:
    """A JSONL line with `audience` set, unless it has its own or none is given."""
    if audience is None:
        return line
    try:
        document = json.loads(line)
    except json.JSONDecodeError:
        return line  # the gateway names the bad line
    if not isinstance(document, dict) or "audience" in document:
        return line
    return json.dumps({**document, "audience": audience}) + "\n"


def batches(path: Path, audience: str | None = None) -> Iterator[list[str]]:
    """Non-empty lines of a JSONL file in groups (with `audience` where a line has none)."""
    batch: list[str] = []
    with path.open() as lines:
        for line in lines:
            if line.strip():
                batch.append(with_audience(line, audience))
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
    audience: Annotated[
        AudienceChoice | None,
        typer.Option(
            help="Audience of documents that do not name one (JSONL lines with an "
            "`audience` key keep theirs); default customer."
        ),
    ] = None,
) -> None:
    """Upload documents and follow their indexing."""
    submitted: list[str] = []
    with (
        admin_client(gateway, tenant) as client,
        Progress(*PROGRESS_COLUMNS, console=console) as progress,
    ):
        if path.suffix.lower() == ".jsonl":
            total = sum(1 for line in path.open() if line.strip())
            task = progress.add_task("uploading", total=total)
            for batch in batches(path, audience.value if audience else None):
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
                        client.post(
                            "/v1/kb/documents",
                            files={"file": (file.name, handle)},
                            data={"audience": audience.value} if audience else None,
                        )
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
    audience: Annotated[
        AudienceChoice | None, typer.Option(help="Only this audience (default: both).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
) -> None:
    """Search a tenant's knowledge base the way the assistant does."""
    request = {"query": query, "top_k": top_k, "mode": mode}
    if audience:
        request["audience"] = audience.value
    with admin_client(gateway, tenant) as client:
        body = check(client.post("/v1/kb/search", json=request)).json()
    if as_json:
        console.print_json(json.dumps(body))
        return
    table = Table("#", "score", "audience", "document", "title", "snippet")
    for rank, hit in enumerate(body["results"], start=1):
        table.add_row(
            str(rank),
            f"{hit['score']:.4f}",
            hit["audience"],
            hit["document_id"],
            hit["title"],
            hit["snippet"][:120],
        )
    console.print(table)


@eval_app.command("run")
def run_eval(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Questions (JSONL).")],
    tenant: TenantOption,
    gateway: GatewayOption = "http://127.0.0.1:8000",
    report: Annotated[
        Path, typer.Option(help="Reports are written to REPORT.md and REPORT.json.")
    ] = Path("eval-report"),
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
) -> None:
    """Ask every question as a new customer would (session, WebSocket, configured generator)
    and report recall, citations, hand-offs and turn times."""
    try:
        cases = load_cases(file)[:limit]
    except ValueError as exc:
        console.print(f"[red]{file}[/red]: {exc}")
        raise typer.Exit(1) from None

    async def ask_all() -> list[Outcome]:
        async with httpx.AsyncClient(
            base_url=gateway, headers=admin_headers(tenant), timeout=60
        ) as client:
            evaluator = Evaluator(client, await internal_documents(client))
            outcomes = []
            with Progress(*PROGRESS_COLUMNS, console=console) as progress:
                task = progress.add_task("asking", total=len(cases))
                for case in cases:
                    outcomes.append(await evaluator.run(case))
                    progress.advance(task)
            return outcomes

    try:
        outcomes = asyncio.run(ask_all())
    except httpx.HTTPError as exc:
        console.print(f"[red]cannot reach the gateway at {gateway}[/red]: {exc}")
        raise typer.Exit(1) from None
    figures = totals(outcomes)
    table = Table("figure", "value")
    for name, value in figures.items():
        table.add_row(name, str(value))
    console.print(table)
    for outcome in outcomes:
        if outcome.error:
            console.print(f"[red]{outcome.case_id}[/red]: {outcome.error}")
    for path in write_reports(outcomes, figures, report):
        console.print(f"wrote {path}")


@topology_app.command("apply")
def apply_topology() -> None:
    """Declare every exchange, queue, binding and dead-letter route of the platform (every
    service does this when it starts; run it first in a deployment that wants the broker ready
    before any service)."""

    async def apply() -> list[str]:
        settings = GatewaySettings().rabbitmq
        topology = Topology(settings.url.get_secret_value(), delivery_limit=settings.delivery_limit)
        try:
            await topology.apply()
            return await topology.missing()
        finally:
            await topology.close()

    missing = asyncio.run(apply())
    if missing:
        console.print(f"[red]still missing[/red]: {', '.join(missing)}")
        raise typer.Exit(1)
    console.print(f"declared {len(BINDINGS)} queues and their dead-letter routes")
