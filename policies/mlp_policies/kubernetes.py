"""The cluster layer as the cluster rules read it: Kubernetes type tokens, Helm releases (which
chart from where, at which version, with which values), the GPU node pools of the three clouds
with the labels and taints their nodes carry, and Kubernetes scheduling (node affinity,
tolerations) evaluated against them.

GPU node pools are the Kubernetes pools of `compute.stack_pools` that have GPUs (declared by
the `mlplat/accelerator` label or by their machine type): EKS `NodeGroup`, GKE `NodePool`, AKS
`AgentPool` or an AKS cluster's inline profile. Their labels and taints are read from the
cloud's own fields (EKS `labels`/`taints`, GKE `nodeConfig.labels`/`nodeConfig.taints`, AKS
`nodeLabels`/`nodeTaints` as `key=value:Effect` strings) and given in Kubernetes form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlp_policies.compute import AZURE_AGENT_POOL, AZURE_CLUSTER, POOL_LABEL, Pool, stack_pools
from mlp_policies.resources import Resource, Stack
from mlp_policies.values import known

__all__ = [
    "AKS_SPOT_TAINT",
    "CLUSTER_QUEUE",
    "GPU_RESOURCE",
    "HELM_CHART",
    "HELM_RELEASE",
    "HELM_TYPES",
    "RESOURCE_FLAVOR",
    "RUNTIME_LABEL",
    "SERVICE_ACCOUNT",
    "HelmSource",
    "Taint",
    "gpu_node_pools",
    "helm_source",
    "matches_node_affinity",
    "metadata",
    "node_labels",
    "node_taints",
    "releases_of_chart",
    "tolerated",
]

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
HELM_CHART = "kubernetes:helm.sh/v4:Chart"
HELM_TYPES = frozenset({HELM_RELEASE, HELM_CHART})
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
KUEUE = "kubernetes:kueue.x-k8s.io/"  # every served version (v1beta1, v1beta2)
RESOURCE_FLAVOR = f"{KUEUE}v1beta2:ResourceFlavor"
CLUSTER_QUEUE = f"{KUEUE}v1beta2:ClusterQueue"
KUEUE_TYPES = frozenset(f"{KUEUE}{v}:{k}" for v in ("v1beta1", "v1beta2") for k in ("ResourceFlavor", "ClusterQueue"))
GPU_RESOURCE = "nvidia.com/gpu"
RUNTIME_LABEL = "mlplat/gpu-runtime"  # who advertises nvidia.com/gpu (components/kubernetes/pools.py)
# AKS taints every spot node with this, declared or not
# (https://learn.microsoft.com/en-us/azure/aks/spot-node-pool, read 2026-12-03).
AKS_SPOT_TAINT = ("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule")

# EKS and GKE spell taint effects as enums.
_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str  # NoSchedule | PreferNoSchedule | NoExecute

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


def kind_of(r: Resource) -> str:
    """`kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue` -> "ClusterQueue"."""
    return r.type.rsplit(":", 1)[-1]


def is_kueue(r: Resource, kind: str) -> bool:
    return r.type.startswith(KUEUE) and kind_of(r) == kind


def metadata(r: Resource) -> tuple[str, str]:
    """(namespace, name) of a Kubernetes object: `metadata.namespace` ("default" when unset)
    and `metadata.name` (the resource name when unset: Pulumi auto-names it)."""
    namespace = r.get("metadata", "namespace") or "default"
    name = r.get("metadata", "name") or r.name
    return str(namespace), str(name)


# --- Helm -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HelmSource:
    """Where a release's chart comes from: the repository (an https:// Helm repository or an
    oci:// registry path; "" when none is named), the chart's name and the version asked for."""

    repository: str
    chart: str
    version: str

    @property
    def reference(self) -> str:
        return f"{self.repository.rstrip('/')}/{self.chart}" if self.repository.startswith("oci://") else self.chart


def helm_source(r: Resource) -> HelmSource:
    """A `helm.sh/v3:Release`'s or `helm.sh/v4:Chart`'s chart. OCI charts are named by their
    URL in `chart` (`oci://registry.k8s.io/kueue/charts/kueue`) with no repository options."""
    chart = str(r.get("chart", default=""))
    version = str(r.get("version", default=""))
    if chart.startswith("oci://"):
        repository, _, name = chart.rstrip("/").rpartition("/")
        return HelmSource(repository, name, version)
    return HelmSource(str(r.get("repositoryOpts", "repo", default="")), chart, version)


def chart_name(r: Resource) -> str:
    """The chart's own name, whatever the form (`oci://…/kueue`, `repo/kueue`, `kueue`)."""
    return str(r.get("chart", default="")).rstrip("/").rsplit("/", 1)[-1]


def releases_of_chart(stack: Stack, chart: str) -> list[Resource]:
    return [r for r in stack.of_type(HELM_TYPES) if chart_name(r) == chart]


# --- GPU node pools ---------------------------------------------------------------------------


def gpu_node_pools(stack: Stack) -> list[Pool]:
    """The stack's Kubernetes node pools with GPUs (not VM groups, not templates)."""
    return [p for p in stack_pools(stack) if p.kind == "node-pool" and p.has_gpus()]


def _aks_profile(pool: Pool) -> Mapping[str, Any]:
    """An AKS pool's own properties: the AgentPool's, or its profile in the cluster's list."""
    r = pool.resource
    if r.type == AZURE_AGENT_POOL:
        return r.props
    for profile in r.get("agentPoolProfiles", default=[]):
        if isinstance(profile, Mapping) and profile.get("name") == pool.name:
            return profile
    return {}


def node_labels(pool: Pool) -> dict[str, str]:
    """The Kubernetes labels of the pool's nodes (raises Unknown during preview)."""
    r = pool.resource
    if r.cloud == "aws":
        labels = r.get("labels", default={})
    elif r.cloud == "gcp":
        labels = r.get("nodeConfig", "labels", default={})
    elif r.type in (AZURE_AGENT_POOL, AZURE_CLUSTER):
        labels = known(_aks_profile(pool).get("nodeLabels") or {}, "nodeLabels")
    else:
        labels = {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}


def pool_name(pool: Pool) -> str:
    """The pool's `mlplat/pool` label (what flavors and selectors name), else its own name."""
    return node_labels(pool).get(POOL_LABEL) or pool.name


def _cloud_taint(raw: Any) -> Taint | None:
    if not isinstance(raw, Mapping) or not raw.get("key"):
        return None
    effect = str(raw.get("effect") or "")
    return Taint(str(raw["key"]), str(raw.get("value") or ""), _EFFECTS.get(effect, effect))


def _aks_taint(text: str) -> Taint | None:
    """`key=value:Effect` or `key:Effect`."""
    head, sep, effect = text.rpartition(":")
    if not sep or not head:
        return None
    key, _, value = head.partition("=")
    return Taint(key, value, effect)


def node_taints(pool: Pool) -> list[Taint]:
    """Every taint the pool's nodes carry (raises Unknown during preview): the declared ones,
    and on AKS spot pools the spot taint AKS adds by itself."""
    r = pool.resource
    taints: list[Taint | None]
    if r.cloud == "aws":
        taints = [_cloud_taint(t) for t in r.get("taints", default=[])]
    elif r.cloud == "gcp":
        taints = [_cloud_taint(t) for t in r.get("nodeConfig", "taints", default=[])]
    else:
        profile = _aks_profile(pool)
        raw = known(profile.get("nodeTaints") or [], "nodeTaints")
        taints = [_aks_taint(t) for t in raw if isinstance(t, str)]
        if known(profile.get("scaleSetPriority"), "scaleSetPriority") == "Spot":
            spot = Taint(*AKS_SPOT_TAINT)
            if not any(t is not None and (t.key, t.effect) == (spot.key, spot.effect) for t in taints):
                taints.append(spot)
    return list(dict.fromkeys(t for t in taints if t is not None))


# --- scheduling -------------------------------------------------------------------------------


def _expression_matches(expr: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, operator = str(expr.get("key", "")), str(expr.get("operator", ""))
    values = [str(v) for v in expr.get("values") or []]
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    if operator in ("Gt", "Lt") and key in labels and values:
        try:
            label, bound = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return label > bound if operator == "Gt" else label < bound
    return False


def matches_node_affinity(terms: Sequence[Any], labels: Mapping[str, str]) -> bool:
    """Whether a node with `labels` satisfies required node affinity `nodeSelectorTerms`: any
    term whose every `matchExpressions` entry matches (Kubernetes ORs terms, ANDs expressions).
    No terms: every node."""
    if not terms:
        return True
    return any(
        isinstance(term, Mapping)
        and all(_expression_matches(e, labels) for e in term.get("matchExpressions") or [] if isinstance(e, Mapping))
        for term in terms
    )


def tolerated(taint: Taint, tolerations: Sequence[Any]) -> bool:
    """Whether any toleration covers the taint: same key (or an empty key with Exists, which
    tolerates everything), same effect (or none, which matches every effect), and operator
    Exists or Equal (the default) with the same value."""
    for t in tolerations:
        if not isinstance(t, Mapping):
            continue
        key, operator = str(t.get("key") or ""), str(t.get("operator") or "Equal")
        effect = str(t.get("effect") or "")
        if effect and effect != taint.effect:
            continue
        if operator == "Exists" and (not key or key == taint.key):
            return True
        if operator == "Equal" and key == taint.key and str(t.get("value") or "") == taint.value:
            return True
    return False
