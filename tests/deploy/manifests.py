"""Loading and checking Kubernetes objects, offline: kubernetes-validate ships the schemas."""

import importlib
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
SERVICES = ("gateway", "orchestrator", "retrieval", "memory", "escalation", "audit")
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schemas here.
KUBERNETES_VERSIONS = ("1.29.0", "1.37.0")

Manifest = dict[str, Any]


def documents(text: str) -> list[Manifest]:
    """The objects of a multi-document YAML text (empty documents dropped)."""
    return [doc for doc in yaml.safe_load_all(text) if doc]


def kubernetes_errors(manifest: Manifest) -> list[str]:
    """Why an object is not valid Kubernetes (KEDA objects against keda.schema.json)."""
    if manifest["apiVersion"].startswith("keda.sh/"):
        validator = jsonschema.Draft202012Validator(_keda_schema())
        return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(manifest)]
    errors = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{version} {'.'.join(map(str, exc.path))}: {exc.message}")
    return errors


@cache
def _keda_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((HERE / "keda.schema.json").read_text())
    return schema


def of_kind(manifests: Iterable[Manifest], kind: str) -> dict[str, Manifest]:
    """Objects of one kind by name."""
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def container(deployment: Manifest) -> Manifest:
    """The single container of a Deployment."""
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    result: Manifest = only
    return result


def env_values(deployment: Manifest) -> dict[str, Any]:
    """A container's environment: literal values, or the `valueFrom` of the others."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(deployment)["env"]}


@cache
def consumed_queues(service: str) -> frozenset[str]:
    """The durable queues a service really consumes (its app built, nothing connected)."""
    from faststream.rabbit.subscriber.usecase import RabbitSubscriber

    app = importlib.import_module(f"{service}.app").create_app(None)
    return frozenset(
        sub.queue.name
        for sub in app.state.runtime.broker.subscribers
        if isinstance(sub, RabbitSubscriber) and sub.queue.durable
    )


def is_setting(service: str, name: str) -> bool:
    """Whether an environment variable names a setting the service reads."""
    from pydantic import BaseModel

    from support_core import settings as core
    from support_embeddings import EmbeddingSettings

    shared: dict[str, type[BaseModel]] = {
        "RABBITMQ_": core.RabbitSettings,
        "DATABASE_": core.DatabaseSettings,
        "REDIS_": core.RedisSettings,
        "QDRANT_": core.QdrantSettings,
        "TELEMETRY_": core.TelemetrySettings,
        "EMBEDDING_": EmbeddingSettings,
        f"{service.upper()}_": settings_class(service),
    }
    for prefix, model in shared.items():
        if name.startswith(prefix):
            return _has_field(model, name[len(prefix) :].lower())
    return False


def settings_class(service: str) -> Any:
    """The service's settings class."""
    module = importlib.import_module(f"{service}.settings")
    return getattr(module, f"{service.capitalize()}Settings")


def _has_field(model: Any, path: str) -> bool:
    field, _, rest = path.partition("__")
    if field not in model.model_fields:
        return False
    return not rest or _has_field(model.model_fields[field].annotation, rest)
