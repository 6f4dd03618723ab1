"""Job queueing and GPU quotas with Kueue.

- One ResourceFlavor per GPU pool: its node selector and tolerations for the pool's taints,
  which Kueue adds to every pod it admits onto that flavor (so a job names a queue, not a pool).
- One ClusterQueue per workload with GPU pools, in one cohort, covering cpu, memory and
  `nvidia.com/gpu` on each of its pools' flavors. Its nominal quota is the workload's share of
  the pool (percent of maxNodes x per-node amount, rounded down), and it may borrow the rest of
  the pool from the cohort: the cohort's quota of a pool is never more than the pool can give,
  and a queue can always reach one whole node. cpu and memory are covered because Kueue admits
  only workloads whose every requested resource is covered by the ClusterQueue.
- Preemption suited to spot pools: a queue reclaims its lent quota from borrowers
  (`reclaimWithinCohort: Any`), and lower-priority work yields within a queue; spot
  interruptions are handled by Kueue re-queueing workloads whose pods fail to become ready.
- One LocalQueue per workload, in its namespace, named after the workload: jobs select it with
  the `kueue.x-k8s.io/queue-name` label."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from blueprint.model import Workload
from components.kubernetes.charts import helm_release
from components.kubernetes.pools import GPU_RESOURCE, PoolFacts, tolerations
from components.kubernetes.tenancy import NAMESPACE_LABEL

CHART = "kueue"
KUEUE_API = "kueue.x-k8s.io/v1beta2"  # v1beta1 is served but deprecated (Kueue 0.19 CRDs)
COHORT = "mlplat-gpus"
QUEUE_LABEL = "kueue.x-k8s.io/queue-name"


def _share(amount: float, percent: int) -> int:
    return int(amount * percent // 100)


def flavor_quotas(pool: PoolFacts, percent: int) -> list[dict[str, Any]]:
    """The queue's quota on one pool's flavor: nominal = its share, borrowing up to the pool."""
    totals = {
        "cpu": pool.max_nodes * pool.vcpus,
        "memory": int(pool.max_nodes * pool.memory_gib),
        GPU_RESOURCE: pool.max_gpus,
    }
    quotas = []
    for resource, total in totals.items():
        nominal = _share(total, percent)
        unit = "Gi" if resource == "memory" else ""
        quotas.append(
            {
                "name": resource,
                "nominalQuota": f"{nominal}{unit}" if unit else nominal,
                "borrowingLimit": f"{total - nominal}{unit}" if unit else total - nominal,
            }
        )
    return quotas


def cluster_queue_spec(workload: Workload, pools: Mapping[str, PoolFacts]) -> dict[str, Any]:
    return {
        "cohortName": COHORT,
        "namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: workload.namespace}},
        "queueingStrategy": "BestEffortFIFO",
        "resourceGroups": [
            {
                "coveredResources": ["cpu", "memory", GPU_RESOURCE],
                "flavors": [
                    {"name": pool, "resources": flavor_quotas(pools[pool], workload.gpu.share_percent[pool])}
                    for pool in workload.gpu.pools
                ],
            }
        ],
        "preemption": {
            "reclaimWithinCohort": "Any",
            "borrowWithinCohort": {"policy": "LowerPriority"},
            "withinClusterQueue": "LowerPriority",
        },
    }


def flavor_spec(pool: PoolFacts) -> dict[str, Any]:
    return {"nodeLabels": pool.node_selector, "tolerations": tolerations(pool.taints)}


def queued_workloads(workloads: Sequence[Workload]) -> list[Workload]:
    """Workloads that get queues: those that may use at least one GPU pool."""
    return [w for w in workloads if w.gpu.pools]


@dataclass(frozen=True, kw_only=True)
class GpuQueuesArgs:
    pools: Mapping[str, PoolFacts]
    workloads: tuple[Workload, ...]
    namespaces: Mapping[str, pulumi.Resource]  # tenancy's, which LocalQueues go into
    kueue_values: Mapping[str, Any]
    depends_on: tuple[pulumi.Resource, ...] = ()


class GpuQueues(pulumi.ComponentResource):
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: GpuQueuesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:kubernetes:GpuQueues", name, None, opts)
        self.release = helm_release(
            f"{name}-kueue", CHART, values=dict(args.kueue_values), parent=self, depends_on=args.depends_on
        )
        after_kueue = pulumi.ResourceOptions(parent=self, depends_on=[self.release])
        flavors = [
            k8s.apiextensions.CustomResource(
                f"{name}-flavor-{pool.name}",
                api_version=KUEUE_API,
                kind="ResourceFlavor",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=pool.name),
                spec=flavor_spec(pool),
                opts=after_kueue,
            )
            for pool in args.pools.values()
        ]
        for w in queued_workloads(args.workloads):
            queue = k8s.apiextensions.CustomResource(
                f"{name}-cq-{w.name}",
                api_version=KUEUE_API,
                kind="ClusterQueue",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=w.name),
                spec=cluster_queue_spec(w, args.pools),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.release, *flavors]),
            )
            k8s.apiextensions.CustomResource(
                f"{name}-lq-{w.name}",
                api_version=KUEUE_API,
                kind="LocalQueue",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=w.name, namespace=w.namespace),
                spec={"clusterQueue": w.name},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[queue, args.namespaces[w.namespace]]),
            )
        self.register_outputs({"kueue": self.release.status})
