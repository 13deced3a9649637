"""What the issue asks of the deployed objects, checked the same way for k8s/ and the chart."""

from tests.deploy.manifests import (
    SERVICES,
    Manifest,
    consumed_queues,
    container,
    env_values,
    is_setting,
    of_kind,
)


def pre_stop_seconds(main: Manifest) -> int:
    """How long the container's preStop hook sleeps (0 without one)."""
    hook = main.get("lifecycle", {}).get("preStop")
    if hook is None:
        return 0
    command, seconds = hook["exec"]["command"]
    assert command == "sleep"
    return int(seconds)


def check_service_objects(manifests: list[Manifest], *, autoscaled: bool = True) -> None:
    """What the issue asks of every service's objects, shared by k8s/ and the Helm chart."""
    deployments = of_kind(manifests, "Deployment")
    assert set(deployments) == set(SERVICES)
    hpas, scaled = of_kind(manifests, "HorizontalPodAutoscaler"), of_kind(manifests, "ScaledObject")
    auths = of_kind(manifests, "TriggerAuthentication")
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        main = container(deployment)
        assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
        env = env_values(deployment)
        shared = of_kind(manifests, "ConfigMap")["support-config"]["data"]
        unknown = [key for key in [*env, *shared] if not is_setting(name, key)]
        assert unknown == [], f"{name} reads no such settings: {unknown}"
        for secret in ("RABBITMQ_URL", "DATABASE_URL", "REDIS_URL"):
            assert "secretKeyRef" in env[secret], (name, secret)
        graceful = int(env["RABBITMQ_GRACEFUL_TIMEOUT"])
        assert pod["terminationGracePeriodSeconds"] >= graceful + pre_stop_seconds(main) + 5, name
        assert pod["securityContext"]["runAsNonRoot"] is True
        if autoscaled:
            # One autoscaler per Deployment (KEDA makes its own HPA; two would fight).
            assert (name in hpas) != (name in scaled), name
            assert "replicas" not in deployment["spec"], f"{name}: the autoscaler owns replicas"
        else:
            assert name not in hpas and name not in scaled, name
            assert deployment["spec"]["replicas"] >= 2, f"{name}: one replica is no redundancy"
    for name, scaler in scaled.items():
        for trigger in scaler["spec"]["triggers"]:
            if trigger["type"] == "rabbitmq":
                assert trigger["metadata"]["queueName"] in consumed_queues(name)
                assert trigger["authenticationRef"]["name"] in auths


def check_network(manifests: list[Manifest], *, qdrant: str = "qdrant") -> None:
    """Only the gateway is reachable from outside; services reach only their dependencies
    (`qdrant`: its pods' name, or the address block of a Qdrant outside the cluster)."""
    policies = of_kind(manifests, "NetworkPolicy")
    assert policies["default-deny"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
    }
    ingresses = of_kind(manifests, "Ingress").values()
    backends = {
        path["backend"]["service"]["name"]
        for ingress in ingresses
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    for name in SERVICES:
        spec = policies[name]["spec"]
        sources = [
            peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for rule in spec["ingress"]
            for peer in rule["from"]
        ]
        assert sorted(sources) == (
            ["ingress-nginx", "monitoring"] if name == "gateway" else ["monitoring"]
        )
        reached = {
            peer["ipBlock"]["cidr"]
            if "ipBlock" in peer
            else peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
            for rule in spec["egress"]
            for peer in rule.get("to", [])
        }
        infra = {"rabbitmq", "postgresql", "redis", "opentelemetry-collector"}
        assert reached == (infra | {qdrant} if name == "retrieval" else infra), name
