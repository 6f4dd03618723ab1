"""Cluster-layer resources as the program synthesizes them, for the cluster rules' fixtures:
copied from `mlbp plan stacks/Pulumi.aws-prod.yaml --format json` (Helm releases, Kueue
objects, service accounts) and the GPU pools of `shapes.py` with the labels the cluster layer
adds (`nvidia.com/gpu.present`, `mlplat/gpu-runtime`)."""

from __future__ import annotations

from typing import Any

from mlp_policies.resources import Resource

from tests.policies.shapes import (
    aws_gpu_node_group,
    azure_gpu_agent_pool,
    changed,
    gcp_gpu_node_pool,
    res,
)

RELEASE = "kubernetes:helm.sh/v3:Release"
CHART_V4 = "kubernetes:helm.sh/v4:Chart"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
FLAVOR = "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor"
CLUSTER_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue"
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
SPOT_TOLERATION = {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Exists", "effect": "NoSchedule"}
RUNTIME_AFFINITY = {
    "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {
                    "matchExpressions": [
                        {"key": "mlplat/gpu-runtime", "operator": "In", "values": ["nvidia-device-plugin"]}
                    ]
                }
            ]
        }
    }
}


def _runtime_labels(labels: dict[str, Any], runtime: str) -> dict[str, Any]:
    return {**labels, "nvidia.com/gpu.present": "true", "mlplat/gpu-runtime": runtime}


def eks_gpu_pool(name: str = "dev-gpu-ng", *, runtime: str = "nvidia-device-plugin") -> Resource:
    group = aws_gpu_node_group(name)
    return changed(group, {"labels": _runtime_labels(dict(group.props["labels"]), runtime)})


def gke_gpu_pool(name: str = "dev-l4") -> Resource:
    pool = gcp_gpu_node_pool(name)
    labels = _runtime_labels(dict(pool.props["nodeConfig"]["labels"]), "gke")
    return changed(pool, {"nodeConfig.labels": labels})


def aks_gpu_pool(name: str = "gput4") -> Resource:
    pool = azure_gpu_agent_pool(name)
    return changed(pool, {"nodeLabels": _runtime_labels(dict(pool.props["nodeLabels"]), "nvidia-device-plugin")})


def release(
    name: str,
    chart: str,
    version: str | None,
    *,
    repo: str | None = None,
    values: dict[str, Any] | None = None,
    namespace: str = "kube-system",
    type_: str = RELEASE,
) -> Resource:
    props: dict[str, Any] = {
        "name": chart.rsplit("/", 1)[-1],
        "chart": chart,
        "namespace": namespace,
        "values": values or {},
        "atomic": True,
        "cleanupOnFail": True,
        "createNamespace": True,
        "timeout": 600.0,
    }
    if version is not None:
        props["version"] = version
    if repo is not None:
        props["repositoryOpts"] = {"repo": repo}
    return res(type_, name, props)


def device_plugin(tolerations: list[dict[str, Any]] | None = None, **values: Any) -> Resource:
    return release(
        "cluster-layer-gpu-runtime-device-plugin",
        "nvidia-device-plugin",
        "0.20.0",
        repo="https://nvidia.github.io/k8s-device-plugin",
        namespace="nvidia-device-plugin",
        values={
            "affinity": RUNTIME_AFFINITY,
            "tolerations": [GPU_TOLERATION] if tolerations is None else tolerations,
            "priorityClassName": "system-node-critical",
            "gfd": {"enabled": False},
            "nfd": {"enabled": False},
            **values,
        },
    )


def autoscaler(cluster: str | None = "ml-platform-aws-dev") -> Resource:
    values: dict[str, Any] = {"cloudProvider": "aws", "awsRegion": "eu-west-1"}
    if cluster is not None:
        values["autoDiscovery"] = {"clusterName": cluster}
    return release(
        "cluster-autoscaler-release",
        "cluster-autoscaler",
        "9.59.0",
        repo="https://kubernetes.github.io/autoscaler",
        values=values,
    )


def kueue(version: str | None = "0.19.2") -> Resource:
    return release(
        "cluster-layer-queues-kueue", "oci://registry.k8s.io/kueue/charts/kueue", version, namespace="kueue-system"
    )


def service_account(workload: str, namespace: str, name: str, annotations: dict[str, Any] | None = None) -> Resource:
    metadata: dict[str, Any] = {"namespace": namespace, "name": name}
    if annotations is not None:
        metadata["annotations"] = annotations
    return res(
        SERVICE_ACCOUNT,
        f"cluster-layer-tenancy-{workload}",
        {"metadata": metadata, "kind": "ServiceAccount", "apiVersion": "v1"},
    )


def flavor(pool: str, tolerations: list[dict[str, Any]] | None = None) -> Resource:
    return res(
        FLAVOR,
        f"cluster-layer-queues-flavor-{pool}",
        {
            "metadata": {"name": pool},
            "kind": "ResourceFlavor",
            "spec": {"nodeLabels": {"mlplat/pool": pool}, "tolerations": tolerations or [GPU_TOLERATION]},
            "apiVersion": "kueue.x-k8s.io/v1beta2",
        },
    )


def cluster_queue(name: str, gpus: dict[str, tuple[Any, Any]], *, cohort: str | None = "mlplat-gpus") -> Resource:
    """A ClusterQueue with `nvidia.com/gpu` (nominal, borrowingLimit or None) per flavor."""
    flavors = []
    for pool, (nominal, borrowing) in gpus.items():
        gpu: dict[str, Any] = {"name": "nvidia.com/gpu", "nominalQuota": nominal}
        if borrowing is not None:
            gpu["borrowingLimit"] = borrowing
        flavors.append({"name": pool, "resources": [{"name": "cpu", "nominalQuota": 8.0, "borrowingLimit": 8.0}, gpu]})
    spec: dict[str, Any] = {
        "queueingStrategy": "BestEffortFIFO",
        "resourceGroups": [{"flavors": flavors, "coveredResources": ["cpu", "memory", "nvidia.com/gpu"]}],
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}},
    }
    if cohort is not None:
        spec["cohortName"] = cohort
    return res(
        CLUSTER_QUEUE,
        f"cluster-layer-queues-cq-{name}",
        {"metadata": {"name": name}, "kind": "ClusterQueue", "spec": spec, "apiVersion": "kueue.x-k8s.io/v1beta2"},
    )
