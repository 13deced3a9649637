"""The Helm chart: its values match values.schema.json, and it renders valid, faithful objects."""

import copy
import json
import shutil
import subprocess
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.manifests import ROOT, SERVICES, consumed_queues, documents, kubernetes_errors
from tests.deploy.promises import check_network, check_service_objects

CHART = ROOT / "helm" / "support"
VALUES: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
SCHEMA: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())


def schema_errors(values: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(values)]


def test_the_schema_is_a_valid_draft_7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_values_match_the_schema() -> None:
    assert schema_errors(VALUES) == []


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("services", "gateway", "port"), "8000"),
        (("services", "orchestrator", "autoscaling", "cpuUtilization"), 150),
        (("services", "memory", "dependencies"), ["mysql"]),
        (("services", "audit", "gracefulTimeout"), 20),
        (("image", "pullPolicy"), "Sometimes"),
    ],
)
def test_the_schema_rejects_wrong_values(path: tuple[str, ...], bad: object) -> None:
    values = copy.deepcopy(VALUES)
    *parents, last = path
    node = values
    for key in parents:
        node = node[key]
    node[last] = bad
    assert schema_errors(values)


def test_every_service_has_values_and_keda_queues_exist() -> None:
    services = VALUES["services"]
    assert set(services) == set(SERVICES)
    for name, service in services.items():
        assert set(service["autoscaling"]["queues"]) <= consumed_queues(name), name


VARIANTS = {
    "default": [],
    **{f.name.removesuffix("-values.yaml"): [f] for f in CHART.glob("ci/*.yaml")},
}


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the helm binary that the `helm-binary` dev dependency puts beside Python."""
    binary = shutil.which("helm")
    assert binary, "helm is missing: `uv sync` installs it with the dev dependencies"
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)


def value_files(variant: str) -> list[str]:
    return [arg for path in VARIANTS[variant] for arg in ("--values", str(path))]


def render(variant: str) -> list[dict[str, Any]]:
    done = helm(
        "template", "support", str(CHART), "--namespace", "support", "--kube-version", "1.29.0",
        *value_files(variant),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return documents(done.stdout)


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return render("default")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_chart_lints_clean(variant: str) -> None:
    done = helm("lint", str(CHART), "--strict", *value_files(variant))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_chart_renders_valid_kubernetes(rendered: list[dict[str, Any]]) -> None:
    errors = {
        f"{m['kind']}/{m['metadata']['name']}": kubernetes_errors(m)
        for m in rendered
        if kubernetes_errors(m)
    }
    assert errors == {}


def test_the_chart_keeps_the_operational_promises(rendered: list[dict[str, Any]]) -> None:
    check_service_objects(rendered)
    check_network(rendered)


def test_an_external_qdrant_is_reached_by_its_address_block() -> None:
    rendered = render("external-qdrant")
    assert all(kubernetes_errors(m) == [] for m in rendered)
    check_service_objects(rendered)
    check_network(rendered, qdrant="10.40.0.0/16")
    config = next(m for m in rendered if m["metadata"]["name"] == "support-config")
    assert config["data"]["QDRANT_URL"].startswith("https://qdrant.internal")


def test_without_autoscaling_each_service_keeps_fixed_replicas() -> None:
    rendered = render("autoscaling-off")
    assert all(kubernetes_errors(m) == [] for m in rendered)
    check_service_objects(rendered, autoscaled=False)
    check_network(rendered)
