"""docker-compose.yml: valid against the Compose specification, wired the way the docs say."""

import copy
import json
from typing import Any

import jsonschema
import yaml

from tests.deploy.manifests import HERE, ROOT, SERVICES, is_setting, settings_class

# Vendored from check-jsonschema 0.39.0 (PyPI), which ships the Compose specification's schema
# (Apache-2.0, LICENSE.compose-spec beside it): the tests run offline.
SCHEMA: dict[str, Any] = json.loads((HERE / "compose-spec.json").read_text())
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
PROMETHEUS: dict[str, Any] = yaml.safe_load(
    (ROOT / "infra" / "observability" / "prometheus.yml").read_text()
)
INFRA = ("rabbitmq", "postgres", "redis")


def schema_errors(compose: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(compose)]


def exposed_port(service: str) -> int:
    """The port the one Dockerfile exposes and health-checks for the service."""
    return int(COMPOSE["services"][service]["build"]["args"]["PORT"])


def seconds(duration: str) -> int:
    assert duration.endswith("s"), duration
    return int(duration[:-1])


def test_compose_file_matches_the_compose_specification() -> None:
    assert schema_errors(COMPOSE) == []


def test_a_misspelled_key_is_caught() -> None:
    broken = copy.deepcopy(COMPOSE)
    broken["services"]["gateway"]["healthchek"] = broken["services"]["redis"]["healthcheck"]
    assert schema_errors(broken)


def test_full_stack_is_there() -> None:
    expected = {*INFRA, "qdrant", *SERVICES, "otel-collector", "jaeger", "prometheus", "grafana"}
    assert expected <= set(COMPOSE["services"])


def test_services_start_after_healthy_infrastructure() -> None:
    services = COMPOSE["services"]
    for name in SERVICES:
        depends = services[name]["depends_on"]
        for infra in INFRA:
            assert depends[infra] == {"condition": "service_healthy"}, (name, infra)
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}"
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"


def test_services_trace_to_the_collector_and_drain_within_their_grace_period() -> None:
    for name in SERVICES:
        service = COMPOSE["services"][name]
        env = service["environment"]
        assert env["TELEMETRY_EXPORTER"] == "otlp"
        assert env["TELEMETRY_OTLP_ENDPOINT"] == "http://otel-collector:4318/v1/traces"
        unknown = [key for key in env if not is_setting(name, key)]
        assert unknown == [], f"{name} reads no such settings: {unknown}"
        assert seconds(service["stop_grace_period"]) >= int(env["RABBITMQ_GRACEFUL_TIMEOUT"]) + 5


def test_prometheus_scrapes_every_service_on_its_port() -> None:
    (job,) = [job for job in PROMETHEUS["scrape_configs"] if job["job_name"] == "support"]
    targets = {config["labels"]["service"]: config["targets"] for config in job["static_configs"]}
    assert targets == {name: [f"{name}:{exposed_port(name)}"] for name in SERVICES}


def test_every_image_is_built_from_the_one_dockerfile_on_the_port_its_service_listens_on() -> None:
    dockerfile = (ROOT / "services" / "Dockerfile").read_text()
    for name in SERVICES:
        build = COMPOSE["services"][name]["build"]
        assert build["dockerfile"] == "services/Dockerfile"
        assert build["args"]["SERVICE"] == name
        assert exposed_port(name) == settings_class(name).model_fields["port"].default
        assert f"{name.upper()}_HOST=0.0.0.0" in dockerfile, name


def test_mounted_files_exist() -> None:
    for service in COMPOSE["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
