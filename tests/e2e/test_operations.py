"""Operations against the running stack: what alerts and dashboards query is really exported,
and a gateway stopped with SIGTERM closes its sockets, exits 0 and its clients resume elsewhere."""

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest
import websockets
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Stack
from tests.support.client import FrameReader, chat_turn, connect, create_session
from tests.support.servers import ServiceProcess, wait_ready

pytestmark = pytest.mark.e2e

OBSERVABILITY = Path(__file__).resolve().parents[2] / "infra" / "observability"
SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
}
# Labels Prometheus attaches to every scraped series itself (prometheus.yml, relabelling).
TARGET_LABELS = {"job", "instance", "service"}
PROMQL_WORDS = {"by", "without", "and", "or", "unless", "offset", "bool", "on", "ignoring"}


def queries() -> list[str]:
    """The PromQL of every alert rule and dashboard panel."""
    rules = yaml.safe_load((OBSERVABILITY / "alerts.yml").read_text())
    found = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((OBSERVABILITY / "grafana/dashboards/support-overview.json").read_text())
    found += [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    ]
    return found


def selectors(query: str) -> list[tuple[str, set[str]]]:
    """Metric names a query selects, each with the label names it matches on."""
    query = re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)
    query = re.sub(r"\[[^\]]*\]", "", query)
    query = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", query)
    found = []
    for match in re.finditer(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?", query):
        name, matchers = match.group(1), match.group(2) or ""
        if name in PROMQL_WORDS or query[match.end() :].lstrip().startswith("("):
            continue  # a keyword, or a function or aggregation applied to what follows
        found.append((name, set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers))))
    return found


async def exported(processes: list[ServiceProcess]) -> dict[str, set[str]]:
    """Sample names the services can expose, each with the label names seen on it."""
    names: dict[str, set[str]] = {}
    async with httpx.AsyncClient(timeout=10) as http:
        for process in processes:
            text = (await http.get(f"{process.base_url}/metrics")).text
            for family in text_string_to_metric_families(text):
                for suffix in SAMPLE_SUFFIXES.get(family.type, ("",)):
                    names.setdefault(family.name + suffix, set())
                for sample in family.samples:
                    names.setdefault(sample.name, set()).update(sample.labels)
    return names


async def test_metrics_in_alerts_and_dashboard_are_exported(stack: Stack) -> None:
    session = await create_session(stack.gateway_url)
    async with connect(session) as ws:
        await chat_turn(FrameReader(ws), "How do I report a lost card?", "m-metrics")
    # Generator fallbacks are counted only where an LLM generator is configured: run one
    # (pointing nowhere) next to the stack long enough to scrape it.
    llm = stack.start(
        "orchestrator",
        ORCHESTRATOR_GENERATOR="openai",
        ORCHESTRATOR_OPENAI__BASE_URL="http://127.0.0.1:9/v1",
    )
    try:
        await wait_ready(llm.base_url, timeout=90)
        names = await exported([*stack.services.values(), llm])
    finally:
        assert llm.terminate() == 0

    missing, wrong_labels = set(), {}
    for query in queries():
        for name, labels in selectors(query):
            if name == "up":  # written by Prometheus for every target
                continue
            if name not in names:
                missing.add(name)
            elif names[name] and (unknown := labels - names[name] - TARGET_LABELS):
                wrong_labels[name] = unknown
    assert missing == set()
    assert wrong_labels == {}


async def test_a_stopped_gateway_closes_its_sockets_and_clients_resume_elsewhere(
    stack: Stack,
) -> None:
    leaving = stack.start("gateway")
    try:
        await wait_ready(leaving.base_url, timeout=90)
        session = await create_session(leaving.base_url)
        async with connect(session) as ws:
            reader = FrameReader(ws)
            first = await chat_turn(reader, "Where is my card?", "m-before-stop")
            code = await asyncio.to_thread(leaving.terminate)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await reader.next(timeout=10)
    finally:
        leaving.kill()
    assert code == 0
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012  # service restart

    resumed = _on(stack.gateway_url, session.stream_url)
    async with websockets.connect(f"{resumed}?token={session.token}", open_timeout=10) as ws:
        reader = FrameReader(ws)
        await reader.send({"type": "resume", "last_seq": 0})
        replayed = await reader.until("answer_completed")
        assert replayed["turn_id"] == first["turn_id"]
        assert replayed["seq"] == first["seq"]
        await chat_turn(reader, "And my PIN?", "m-after-stop")


def _on(base_url: str, stream_url: str) -> str:
    """The same stream path on another gateway."""
    path = stream_url.split("/v1/", 1)[1]
    return base_url.replace("http", "ws", 1) + "/v1/" + path
