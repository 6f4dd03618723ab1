"""MLP-046: Kueue's GPU quotas neither promise more GPUs than a pool can have nor less than one
of its nodes.

For each Kueue `ResourceFlavor` whose `spec.nodeLabels` select a GPU pool (`mlplat/pool`), the
pool's capacity is its maximum nodes x GPUs per node, as the cost rules count them
(`compute.stack_pools`: EKS `scalingConfig.maxSize` x the catalog's GPUs of the instance type;
GKE `autoscaling.totalMaxNodeCount` (or per-zone x zones) x the guest accelerators; AKS
`maxCount` x the catalog's GPUs of the VM size).

- The `nvidia.com/gpu` nominal quotas of every `ClusterQueue` on that flavor, summed, must not
  exceed the capacity: guaranteed quota the pool cannot grow to is admitted work that waits
  for nodes that never come, and the quotas stop meaning what FinOps reads in them.
- Each queue's reach on the flavor, nominal quota plus `borrowingLimit` (no limit: everything
  its cohort's queues hold nominally on that flavor; no cohort: its nominal quota), must be at
  least one node's GPUs: a job asking for a whole node is never admitted.

Flavors that select no pool of the stack, and pools whose GPUs per node the catalog does not
know, are not judged. Quantities are numbers or decimal strings (`"8"`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from mlp_policies.compute import AWS_NODE_GROUP, AZURE_AGENT_POOL, AZURE_CLUSTER, GCP_NODE_POOL, POOL_LABEL, Pool, value
from mlp_policies.kubernetes import GPU_RESOURCE, KUEUE_TYPES, gpu_node_pools, is_kueue, metadata, pool_name
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable, unknown
from mlp_policies.values import Unknown, as_number, fmt


@dataclass(frozen=True)
class Quota:
    queue: Resource
    queue_name: str
    cohort: str
    nominal: float
    borrowing_limit: float | None  # None: may borrow whatever its cohort lends


def _quantity(raw: Any, what: str) -> float:
    number = as_number(raw)
    if number is None:
        raise ValueError(f"{what} {raw!r} is not a quantity")
    return number


def gpu_quotas(queue: Resource) -> dict[str, Quota]:
    """flavor name -> the queue's nvidia.com/gpu quota on it (raises Unknown during preview)."""
    name = metadata(queue)[1]
    spec = queue.get("spec", default={})
    cohort = str(spec.get("cohortName") or spec.get("cohort") or "")  # v1beta2 renamed `cohort`
    out: dict[str, Quota] = {}
    for group in spec.get("resourceGroups") or []:
        for flavor in (group or {}).get("flavors") or []:
            for res in (flavor or {}).get("resources") or []:
                if isinstance(res, Mapping) and res.get("name") == GPU_RESOURCE:
                    limit = res.get("borrowingLimit")
                    out[str(flavor.get("name"))] = Quota(
                        queue,
                        name,
                        cohort,
                        _quantity(res.get("nominalQuota", 0), f"ClusterQueue {name} nominalQuota"),
                        None if limit is None else _quantity(limit, f"ClusterQueue {name} borrowingLimit"),
                    )
    return out


def _capacity(pool: Pool) -> tuple[float, int] | None:
    """(max GPUs of the pool, GPUs per node), or None when the catalog does not know its type."""
    per_node = pool.gpus_per_node()
    most = value(pool.max_nodes)
    if per_node is None or most is None:
        return None
    return most * per_node, per_node


def _flavor_fits(flavor: Resource, pools: Mapping[str, Pool], by_flavor: Mapping[str, list[Quota]]) -> Outcome:
    name = metadata(flavor)[1]
    quotas = by_flavor.get(name, [])
    selected = str(flavor.get("spec", "nodeLabels", POOL_LABEL, default=""))
    pool = pools.get(selected)
    if pool is None:
        return not_applicable(f"ResourceFlavor {name} selects no GPU pool of the stack")
    capacity = _capacity(pool)
    if capacity is None:
        return Outcome("unknown", reason=f"the GPUs per node of {pool.label} are not in the catalog")
    total, per_node = capacity
    messages = []
    nominal = sum(q.nominal for q in quotas)
    if nominal > total:
        shares = ", ".join(f"{q.queue_name} {fmt(q.nominal)}" for q in quotas)
        messages.append(
            f"ClusterQueues guarantee {fmt(nominal)} {GPU_RESOURCE} on flavor {name} ({shares}), more than "
            f"{pool.label} can have: {fmt(total)} ({fmt(value(pool.max_nodes))} nodes x {per_node} GPUs)"
        )
    cohorts: dict[str, float] = {}
    for q in quotas:
        if q.cohort:
            cohorts[q.cohort] = cohorts.get(q.cohort, 0.0) + q.nominal
    for q in quotas:
        if q.borrowing_limit is not None:
            reach, how = q.nominal + q.borrowing_limit, f"nominal {fmt(q.nominal)} + borrowing {fmt(q.borrowing_limit)}"
        elif q.cohort:
            reach, how = cohorts[q.cohort], f"what cohort {q.cohort} holds"
        else:
            reach, how = q.nominal, f"nominal {fmt(q.nominal)}, no cohort"
        if reach < per_node:
            messages.append(
                f"ClusterQueue {q.queue_name} can use at most {fmt(reach)} {GPU_RESOURCE} on flavor {name} ({how}), "
                f"less than one node of {pool.label} ({per_node} GPUs): a job asking for a whole node never runs"
            )
    return fail(*messages) if messages else PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    flavors = [r for r in stack.resources if is_kueue(r, "ResourceFlavor")]
    if not flavors:
        yield Finding(None, not_applicable("the stack has no Kueue ResourceFlavors"))
        return
    pools: dict[str, Pool] = {}
    for pool in gpu_node_pools(stack):
        try:
            pools[pool_name(pool)] = pool
        except Unknown as err:
            yield Finding(pool.resource, unknown(err.path))
    by_flavor: dict[str, list[Quota]] = {}
    undecided = []  # queues whose quotas are not known during preview: no flavor's sum is known
    for queue in (r for r in stack.resources if is_kueue(r, "ClusterQueue")):
        found = judge(queue, partial(_collect, queue, by_flavor))
        if found.outcome.status != "pass":
            yield found
        if found.outcome.status == "unknown":
            undecided.append(found.outcome)
    for flavor in flavors:
        yield (
            Finding(flavor, undecided[0])
            if undecided
            else judge(flavor, partial(_flavor_fits, flavor, pools, by_flavor))
        )


def _collect(queue: Resource, by_flavor: dict[str, list[Quota]]) -> Outcome:
    try:
        quotas = gpu_quotas(queue)
    except ValueError as err:
        return fail(str(err))
    for flavor, quota in quotas.items():
        by_flavor.setdefault(flavor, []).append(quota)
    return PASS


RULE = StackRule(
    id="MLP-046",
    name="kueue-gpu-quotas-fit-pools",
    description="Kueue GPU quotas on a pool's flavor neither exceed the pool's GPUs nor fall below one node's.",
    severity="high",
    resource_types=KUEUE_TYPES | {AWS_NODE_GROUP, GCP_NODE_POOL, AZURE_AGENT_POOL, AZURE_CLUSTER},
    remediation=(
        "Set workloads[].gpu.sharePercent so the shares of a pool add up to at most 100, and raise "
        "a pool's maxNodes rather than a queue's quota; components/kubernetes/gpu_queues.py derives the quotas "
        "from the pools and lets each queue borrow up to the whole pool."
    ),
    check=check,
)
