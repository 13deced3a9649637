"""Prometheus rules and config, the Grafana dashboard and its provisioning, the collector config."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.manifests import ROOT

OBSERVABILITY = ROOT / "infra" / "observability"
GRAFANA = OBSERVABILITY / "grafana"
DASHBOARD: dict[str, Any] = json.loads(
    (GRAFANA / "dashboards" / "support-overview.json").read_text()
)
PANELS = [p for p in DASHBOARD["panels"] if p["type"] != "row"]


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.skip("promtool not installed (Debian package `prometheus`): rules not checked")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("amtool")
    if binary is None:
        pytest.skip("amtool not installed (Debian package `prometheus-alertmanager`)")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)


def dashboard_queries() -> list[str]:
    """Every PromQL query of the dashboard, Grafana's range variable given a value."""
    return [
        target["expr"].replace("$__rate_interval", "5m")
        for panel in PANELS
        for target in panel["targets"]
    ]


def test_alert_rules_pass_promtool() -> None:
    done = promtool("check", "rules", str(OBSERVABILITY / "alerts.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_alerts_fire_on_what_they_describe() -> None:
    done = promtool("test", "rules", str(Path(__file__).parent / "alerts-test.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_prometheus_config_passes_promtool() -> None:
    done = promtool("check", "config", str(OBSERVABILITY / "prometheus.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_alertmanager_config_passes_amtool() -> None:
    done = amtool("check-config", str(OBSERVABILITY / "alertmanager.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_reaches_the_receiver_for_its_severity() -> None:
    rules = yaml.safe_load((OBSERVABILITY / "alerts.yml").read_text())
    receivers = {"critical": "oncall", "warning": "team"}
    for group in rules["groups"]:
        for rule in group["rules"]:
            labels = [f"alertname={rule['alert']}", "service=gateway"]
            labels += [f"{k}={v}" for k, v in rule["labels"].items()]
            config = f"--config.file={OBSERVABILITY / 'alertmanager.yml'}"
            done = amtool("config", "routes", "test", config, *labels)
            assert done.stdout.strip() == receivers[rule["labels"]["severity"]], rule["alert"]


def test_prometheus_sends_alerts_to_the_compose_alertmanager() -> None:
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    targets = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert targets == ["alertmanager:9093"]
    assert "alertmanager" in compose["services"]


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{i}", "expr": expr}
                    for i, expr in enumerate(dashboard_queries())
                ],
            }
        ]
    }
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    done = promtool("check", "rules", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_dashboard_shows_what_operators_need() -> None:
    titles = " ".join(panel["title"].lower() for panel in PANELS)
    for topic in (
        "turn rate",
        "turn latency",
        "5xx",
        "escalations per minute",
        "search latency",
        "hit rate",
        "queue depth",
        "dead letters",
        "circuit breakers",
        "websocket connections",
    ):
        assert topic in titles, topic
    latency = next(p for p in PANELS if p["title"] == "Turn latency")
    assert [t["legendFormat"] for t in latency["targets"]] == ["p50", "p95", "p99"]


def test_dashboard_uses_the_provisioned_datasource() -> None:
    provisioned = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "datasources.yml").read_text()
    )
    uids = {source["uid"] for source in provisioned["datasources"]}
    used = {panel["datasource"]["uid"] for panel in PANELS}
    assert used <= uids
    providers = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "dashboards.yml").read_text()
    )
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_collector_receives_otlp_and_exports_to_jaeger() -> None:
    config = yaml.safe_load((OBSERVABILITY / "otel-collector.yaml").read_text())
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    traces = config["service"]["pipelines"]["traces"]
    assert traces["receivers"] == ["otlp"]
    for exporter in traces["exporters"]:
        assert exporter in config["exporters"]
    assert config["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
