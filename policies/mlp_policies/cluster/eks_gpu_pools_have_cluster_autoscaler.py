"""MLP-044: EKS GPU node groups have a Cluster Autoscaler that discovers their cluster.

EKS does not scale managed node groups by itself: without the autoscaler a GPU pool at minimum
0 never starts a node and a busy pool never grows (components/aws/cluster_autoscaler.py). A GPU
node group is one with a GPU AMI type (`AL2_x86_64_GPU`, `AL2023_*_NVIDIA`,
`BOTTLEROCKET_*_NVIDIA`) or GPUs by its labels or instance types (`compute.stack_pools`); a
fixed-size group (min = max) has nothing to scale and is not judged.

It passes when the stack has a `cluster-autoscaler` Helm release whose
`values.autoDiscovery.clusterName` is the node group's `clusterName` (either unknown during
preview: unknown). A release that discovers no cluster, or another one, does not count.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from mlp_policies.compute import AWS_NODE_GROUP, Pool, stack_pools, value
from mlp_policies.kubernetes import HELM_TYPES, releases_of_chart
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.values import fmt

CHART = "cluster-autoscaler"


def gpu_ami(ami: str) -> bool:
    """EKS AMI types for GPU instances (the EKS API's AmiType enum: *_GPU, *_NVIDIA, *_NEURON
    is Inferentia/Trainium and not NVIDIA, so not ours)."""
    return ami.endswith("_GPU") or "NVIDIA" in ami


def _scaled(pool: Pool, autoscalers: list[Resource]) -> Outcome:
    group = pool.resource
    if not (gpu_ami(str(group.get("amiType", default=""))) or pool.has_gpus()):
        return not_applicable(f"{pool.label} has no GPUs")
    least, most = value(pool.min_nodes), value(pool.max_nodes)
    if least is not None and least == most:
        return not_applicable(f"{pool.label} has a fixed size ({fmt(least)} nodes)")
    cluster = str(group.get("clusterName", default=""))
    if not autoscalers:
        return fail(
            f"{pool.label} of cluster {cluster or '(unnamed)'} has no Cluster Autoscaler: EKS never adds its "
            f"nodes (from {fmt(least)} up to {fmt(most)})"
        )
    discovered = []
    for release in autoscalers:
        name = release.get("values", "autoDiscovery", "clusterName")
        if name and (not cluster or str(name) == cluster):
            return PASS
        discovered.append(f"{release.name} discovers {name or 'no cluster (values.autoDiscovery.clusterName unset)'}")
    return fail(f"{pool.label} of cluster {cluster}: no Cluster Autoscaler discovers it ({'; '.join(discovered)})")


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    groups = [p for p in stack_pools(stack) if p.resource.type == AWS_NODE_GROUP]
    if not groups:
        yield Finding(None, not_applicable("the stack has no EKS node groups"))
        return
    autoscalers = releases_of_chart(stack, CHART)
    for pool in groups:
        yield judge(pool.resource, partial(_scaled, pool, autoscalers))


RULE = StackRule(
    id="MLP-044",
    name="eks-gpu-pools-have-cluster-autoscaler",
    description="EKS GPU node groups that can scale have a Cluster Autoscaler discovering their cluster.",
    severity="high",
    resource_types=frozenset({AWS_NODE_GROUP}) | HELM_TYPES,
    remediation=(
        "Keep cluster.inCluster.enabled on (the AWS platform installs components/aws/cluster_autoscaler.py with "
        "autoDiscovery.clusterName set to the cluster), or run a Cluster Autoscaler that discovers the cluster."
    ),
    check=check,
)
