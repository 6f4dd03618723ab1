"""MLP-043: every GPU node pool has exactly one GPU runtime (the device plugin that advertises
`nvidia.com/gpu` on its nodes), and it tolerates the pool's taints.

With none, the nodes boot with drivers but the scheduler never places a GPU pod on them: the
pool bills and idles, or (from zero) never starts. With two, two DaemonSets advertise and
allocate the same devices, and pods get GPUs another container holds.

Counted per GPU node pool (EKS `NodeGroup`, GKE `NodePool`, AKS `AgentPool` or inline profile
with GPUs, as `compute.stack_pools` finds them):

- built in: GKE installs the device plugin on every GPU node; EKS Bottlerocket NVIDIA AMI types
  (`BOTTLEROCKET_*_NVIDIA`) ship it in the OS. The EKS AL2023/AL2 GPU AMIs and AKS's driver
  install bring drivers only (components/kubernetes/pools.py, `builtin_gpu_runtime`);
- each `nvidia-device-plugin` Helm release whose DaemonSet would run on the pool's nodes: its
  required node affinity (`values.affinity`, else the chart's default, which selects
  `nvidia.com/gpu.present=true` among NFD labels) and `values.nodeSelector` match the pool's
  labels, and its tolerations (`values.tolerations`, else the chart's defaults) cover every
  taint the nodes carry by key and effect (operator Exists, or Equal with the same value).
  AKS spot pools carry `kubernetes.azure.com/scalesetpriority=spot:NoSchedule` whether the
  pool declares it or not.

A release that would match the pool's labels but not tolerate one of its taints does not
count, and the failure names the taint.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from mlp_policies.compute import AWS_NODE_GROUP, AZURE_AGENT_POOL, AZURE_CLUSTER, GCP_NODE_POOL, Pool
from mlp_policies.kubernetes import (
    HELM_TYPES,
    gpu_node_pools,
    matches_node_affinity,
    node_labels,
    node_taints,
    releases_of_chart,
    tolerated,
)
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable

CHART = "nvidia-device-plugin"
# The chart's defaults when values set none (NVIDIA/k8s-device-plugin
# deployments/helm/nvidia-device-plugin/values.yaml at 00f2a02, read 2026-12-03):
# required affinity to NFD's NVIDIA PCI/CPU vendor labels or `nvidia.com/gpu.present=true`,
# and tolerations of CriticalAddonsOnly and nvidia.com/gpu:NoSchedule.
DEFAULT_AFFINITY_TERMS = [
    {"matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}
    for key, value in (
        ("feature.node.kubernetes.io/pci-10de.present", "true"),
        ("feature.node.kubernetes.io/cpu-model.vendor_id", "NVIDIA"),
        ("nvidia.com/gpu.present", "true"),
    )
]
DEFAULT_TOLERATIONS = [
    {"key": "CriticalAddonsOnly", "operator": "Exists"},
    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
]


def builtin_runtime(pool: Pool) -> str | None:
    """Who else advertises the pool's GPUs: GKE itself, or Bottlerocket's NVIDIA variants."""
    r = pool.resource
    if r.type == GCP_NODE_POOL:
        return "GKE's built-in device plugin"
    if r.type == AWS_NODE_GROUP:
        ami = str(r.get("amiType", default=""))
        if ami.startswith("BOTTLEROCKET_") and "NVIDIA" in ami:
            return f"the Bottlerocket device plugin ({ami})"
    return None


def _affinity_terms(values: Mapping[str, Any]) -> Sequence[Any]:
    affinity = values.get("affinity")
    if not isinstance(affinity, Mapping) or "nodeAffinity" not in affinity:
        return DEFAULT_AFFINITY_TERMS
    required = (affinity.get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    return list(required.get("nodeSelectorTerms") or []) if isinstance(required, Mapping) else []


def _placement(release: Resource, labels: Mapping[str, str], taints: list[Any]) -> tuple[bool, list[str]]:
    """Whether the release's DaemonSet selects the pool's nodes, and the taints it does not tolerate."""
    values = release.get("values", default={})
    values = values if isinstance(values, Mapping) else {}
    selector = values.get("nodeSelector") or {}
    selected = matches_node_affinity(_affinity_terms(values), labels) and all(
        labels.get(str(k)) == str(v) for k, v in (selector.items() if isinstance(selector, Mapping) else [])
    )
    tolerations = values.get("tolerations")
    tolerations = DEFAULT_TOLERATIONS if tolerations is None else tolerations
    return selected, [str(t) for t in taints if not tolerated(t, tolerations if isinstance(tolerations, list) else [])]


def _one_runtime(pool: Pool, releases: list[Resource]) -> Outcome:
    labels = node_labels(pool)
    taints = node_taints(pool)
    runtimes = [b] if (b := builtin_runtime(pool)) else []
    untolerated = []
    for release in releases:
        selected, missing = _placement(release, labels, taints)
        if selected and not missing:
            runtimes.append(f"Helm release {release.name}")
        elif selected:
            untolerated.append(f"Helm release {release.name} selects it but does not tolerate {', '.join(missing)}")
    if len(runtimes) == 1:
        return PASS
    if not runtimes:
        why = "; ".join(untolerated) or f"no {CHART} release selects its labels and the node image has none built in"
        return fail(f"{pool.label} has no GPU runtime, so no pod can request nvidia.com/gpu there: {why}")
    return fail(
        f"{pool.label} has {len(runtimes)} GPU runtimes ({', '.join(runtimes)}): two device plugins advertise "
        "the same GPUs; keep one"
    )


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    pools = gpu_node_pools(stack)
    if not pools:
        yield Finding(None, not_applicable("the stack has no GPU node pools"))
        return
    releases = releases_of_chart(stack, CHART)
    for pool in pools:
        yield judge(pool.resource, partial(_one_runtime, pool, releases))


RULE = StackRule(
    id="MLP-043",
    name="gpu-pools-have-one-gpu-runtime",
    description="Every GPU node pool has exactly one GPU runtime (device plugin), which tolerates its taints.",
    severity="high",
    resource_types=frozenset({AWS_NODE_GROUP, GCP_NODE_POOL, AZURE_AGENT_POOL, AZURE_CLUSTER}) | HELM_TYPES,
    remediation=(
        "Let the cluster layer install the GPU runtime (components/kubernetes/gpu_runtime.py): it labels each GPU "
        "pool with mlplat/gpu-runtime and installs the NVIDIA device plugin, tolerating every pool taint, only where "
        "the node image has none. Remove other device plugin releases, or narrow their node affinity."
    ),
    check=check,
)
