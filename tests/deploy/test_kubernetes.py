"""The plain manifests in k8s/: valid Kubernetes, and they keep the operational promises."""

import pytest

from tests.deploy.manifests import (
    ROOT,
    SERVICES,
    Manifest,
    documents,
    env_values,
    kubernetes_errors,
    of_kind,
)
from tests.deploy.promises import check_network, check_service_objects

FILES = sorted((ROOT / "k8s").glob("*.yaml"))
MANIFESTS = [m for path in FILES for m in documents(path.read_text())]


def _id(manifest: Manifest) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"


def test_every_service_has_its_manifest() -> None:
    assert {path.stem for path in FILES} >= set(SERVICES)


@pytest.mark.parametrize("manifest", MANIFESTS, ids=_id)
def test_manifest_is_valid_kubernetes(manifest: Manifest) -> None:
    assert kubernetes_errors(manifest) == []


def test_an_invalid_manifest_is_caught() -> None:
    deployment = of_kind(MANIFESTS, "Deployment")["gateway"]
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    scaled = of_kind(MANIFESTS, "ScaledObject")["orchestrator"]
    no_triggers = {**scaled, "spec": {**scaled["spec"], "triggers": []}}
    assert kubernetes_errors(broken)
    assert kubernetes_errors(no_triggers)


def test_services_keep_the_operational_promises() -> None:
    check_service_objects(MANIFESTS)


def test_only_the_gateway_is_exposed_and_egress_is_limited() -> None:
    check_network(MANIFESTS)


def test_no_secret_is_written_in_a_manifest() -> None:
    assert not of_kind(MANIFESTS, "Secret")
    for deployment in of_kind(MANIFESTS, "Deployment").values():
        for name, value in env_values(deployment).items():
            if any(word in name for word in ("URL", "SECRET", "KEY")):
                assert isinstance(value, dict) and "secretKeyRef" in value, name
