"""MLP-028: a `hipaa` stack keeps audit logs and runs no stateful data path on spot capacity.

Applies to stacks whose blueprint `compliance` list names one of `regimes` (default `hipaa`;
see `_blueprint.py` for where the regimes come from). Then:

- Control-plane audit logs: EKS `enabledClusterLogTypes` includes `audit`; AKS has a
  diagnostic setting on the cluster with `kube-audit` or `kube-audit-admin` (or the `audit` /
  `allLogs` category group) enabled. GKE writes Kubernetes Admin Activity audit logs to Cloud
  Audit Logs always (they cannot be turned off), so a GKE cluster passes this part.
- Data access logs on every bucket except the log buckets (see `_access_logs.py`). There is
  no waiver: the Azure tiered bucket component creates no blob diagnostic setting, so an
  Azure `hipaa` stack fails until it does.
- No spot/preemptible capacity on stateful data paths: node pools whose `mlplat/workload`
  label is in `statefulWorkloads` (training writes checkpoints) and every pool of a kind in
  `statefulPoolKinds` (`vm-group`: the batch groups that prepare data; `node-pool`,
  `instance` are the other kinds) must run on demand. An interrupted node loses what it had
  not written yet, and a restarted step re-reads protected data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from mlp_policies.compliance import _blueprint
from mlp_policies.compliance._access_logs import AZURE_DIAGNOSTIC_SETTING, LOG_TYPES, gaps, log_targets
from mlp_policies.compute import (
    AWS_NODE_GROUP,
    AZURE_AGENT_POOL,
    AZURE_CLUSTER,
    GCP_NODE_POOL,
    JOINED_TYPES,
    POOL_TYPES,
    Pool,
    stack_pools,
    value,
)
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.storage import AZURE_ACCOUNT, GCS_BUCKET, S3_BUCKETS
from mlp_policies.values import as_bool, fmt, strings

EKS_CLUSTER = "aws:eks/cluster:Cluster"
GKE_CLUSTER = "gcp:container/cluster:Cluster"
CLUSTERS = frozenset({EKS_CLUSTER, GKE_CLUSTER, AZURE_CLUSTER})
AKS_AUDIT_CATEGORIES = frozenset({"kube-audit", "kube-audit-admin"})
AUDIT_GROUPS = frozenset({"audit", "allLogs"})
WORKLOAD_LABEL = "mlplat/workload"


def _aks_audited(cluster: Resource, stack: Stack) -> bool:
    for setting in stack.of_type(AZURE_DIAGNOSTIC_SETTING):
        if cluster not in stack.references(setting, "resourceUri", [cluster]):
            continue
        for entry in setting.get("logs", default=[]):
            if not isinstance(entry, Mapping) or as_bool(entry.get("enabled")) is False:
                continue
            if entry.get("category") in AKS_AUDIT_CATEGORIES or entry.get("categoryGroup") in AUDIT_GROUPS:
                return True
    return False


def _cluster_audited(cluster: Resource, stack: Stack) -> Outcome:
    if cluster.type == EKS_CLUSTER:
        if "audit" in strings(cluster.get("enabledClusterLogTypes", default=[])):
            return PASS
        return fail(f"{cluster} does not send audit logs to CloudWatch (enabledClusterLogTypes lacks audit)")
    if cluster.type == AZURE_CLUSTER:
        if _aks_audited(cluster, stack):
            return PASS
        return fail(f"{cluster} has no diagnostic setting sending kube-audit or kube-audit-admin logs")
    return PASS  # GKE: Admin Activity audit logs are always written


def _bucket_logged(bucket: Resource, gap: Callable[[Resource], str | None]) -> Outcome:
    missing = gap(bucket)
    return fail(f"{bucket} does not log data access: {missing}") if missing else PASS


def _labels(pool: Pool) -> Mapping[str, Any]:
    r = pool.resource
    labels: Any = None
    if r.type == AWS_NODE_GROUP:
        labels = r.get("labels")
    elif r.type == GCP_NODE_POOL:
        labels = r.get("nodeConfig", "labels")
    elif r.type == AZURE_AGENT_POOL:
        labels = r.get("nodeLabels")
    elif r.type == AZURE_CLUSTER:
        for profile in r.get("agentPoolProfiles", default=[]):
            if isinstance(profile, Mapping) and profile.get("name") == pool.name:
                labels = profile.get("nodeLabels")
    return labels if isinstance(labels, Mapping) else {}


def _on_demand(pool: Pool, workloads: frozenset[str], kinds: frozenset[str]) -> Outcome:
    workload = _labels(pool).get(WORKLOAD_LABEL)
    if pool.kind not in kinds and workload not in workloads:
        return PASS  # judged: not a stateful data path
    why = f"workload {workload}" if workload in workloads else f"a {pool.kind}"
    spot = value(pool.spot_percent)
    if spot is None:
        return fail(f"{pool.label} ({why}) is a stateful data path and cannot be shown to run on demand")
    if spot > 0:
        return fail(f"{pool.label} ({why}) is a stateful data path but runs {fmt(spot)} % on spot capacity")
    return PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    try:
        regimes = _blueprint.regimes(stack)
    except _blueprint.NoBlueprint as err:
        yield Finding(None, err.outcome)
        return
    triggers = sorted(regimes & frozenset(config["regimes"]))
    if not triggers:
        yield Finding(None, PASS)  # judged: no regime of the stack asks for this
        return
    clusters = stack.of_type(CLUSTERS)
    buckets = stack.of_type(S3_BUCKETS, [GCS_BUCKET, AZURE_ACCOUNT])
    pools = [p for p in stack_pools(stack) if p.kind != "template"]
    if not (clusters or buckets or pools):
        yield Finding(None, not_applicable("the stack has no clusters, buckets or pools"))
        return
    for cluster in clusters:
        yield judge(cluster, partial(_cluster_audited, cluster, stack))
    gap = gaps(stack)
    targets = log_targets(stack)
    for bucket in buckets:
        if bucket.urn not in targets:
            yield judge(bucket, partial(_bucket_logged, bucket, gap))
    workloads, kinds = frozenset(config["statefulWorkloads"]), frozenset(config["statefulPoolKinds"])
    for pool in pools:
        yield judge(pool.resource, partial(_on_demand, pool, workloads, kinds))


RULE = StackRule(
    id="MLP-028",
    name="hipaa-audit-logging-and-no-spot-data-paths",
    description="HIPAA stacks keep control-plane audit logs and bucket data-access logs, and run no stateful data "
    "path on spot capacity.",
    severity="critical",
    resource_types=CLUSTERS | POOL_TYPES | JOINED_TYPES | LOG_TYPES | S3_BUCKETS | {GCS_BUCKET, AZURE_ACCOUNT},
    remediation=(
        "For a hipaa stack: keep the clusters' audit logs on (the cluster components do on EKS and AKS), set "
        "dataClassification to confidential or restricted so every bucket logs access, and set capacity: on-demand "
        "on training pools and spotPercentage: 0 on autoscaling groups (or adjust statefulWorkloads / "
        "statefulPoolKinds in policies/config/<env>.json)."
    ),
    equivalents=("CKV_AWS_37", "CKV_AWS_18"),
    config={
        "regimes": {
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": True,
            "default": ["hipaa"],
            "description": "Compliance regimes (blueprint compliance) this rule applies to.",
        },
        "statefulWorkloads": {
            "type": "array",
            "items": {"type": "string", "enum": ["training", "inference", "batch"]},
            "uniqueItems": True,
            "default": ["training"],
            "description": "GPU pool workloads (mlplat/workload label) that are stateful data paths: no spot.",
        },
        "statefulPoolKinds": {
            "type": "array",
            "items": {"type": "string", "enum": ["node-pool", "vm-group", "instance"]},
            "uniqueItems": True,
            "default": ["vm-group"],
            "description": "Pool kinds that are stateful data paths as a whole: no spot (vm-group: batch VM groups).",
        },
    },
    check=check,
)
