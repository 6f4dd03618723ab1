"""MLP-002: no node pool or VM group may grow past a node limit, and the stack's GPU pools
together may not run more GPUs than the environment allows.

Totals count every pool at its maximum size: max nodes x GPUs per node (from the catalog).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from mlp_policies.compute import JOINED_TYPES, POOL_TYPES, Pool, stack_pools, value
from mlp_policies.resources import Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.values import fmt


def _pool_size(pool: Pool, limit: float) -> Outcome:
    most = value(pool.max_nodes)
    if most is None:
        if pool.has_gpus():
            return fail(f"{pool.label} sets no maximum size: its GPUs are unbounded")
        return PASS
    if most > limit:
        return fail(f"{pool.label} may grow to {fmt(most)} nodes, above maxNodesPerPool {fmt(limit)}")
    return PASS


def _total_gpus(pools: list[Pool], limit: float) -> Outcome:
    total = 0.0
    parts: list[str] = []
    uncountable: list[str] = []
    for pool in pools:
        if not pool.gpu_machines():
            continue
        per_node, most = pool.gpus_per_node(), value(pool.max_nodes)
        if per_node is None or most is None:
            uncountable.append(pool.label)
            continue
        total += per_node * most
        parts.append(f"{pool.name} {fmt(most)} x {per_node}")
    messages = [
        f"cannot count the GPUs of {label}: a GPU type not in the catalog, or no maximum size" for label in uncountable
    ]
    if total > limit:
        messages.append(f"the stack may run {fmt(total)} GPUs ({', '.join(parts)}), above maxTotalGpus {fmt(limit)}")
    return fail(*messages) if messages else PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    pools = [p for p in stack_pools(stack) if p.kind != "template"]
    if not pools:
        yield Finding(None, not_applicable("the stack has no node pools or VM groups"))
        return
    for pool in pools:
        yield judge(pool.resource, partial(_pool_size, pool, float(config["maxNodesPerPool"])))
    yield judge(None, partial(_total_gpus, pools, float(config["maxTotalGpus"])))


RULE = StackRule(
    id="MLP-002",
    name="compute-within-capacity-limits",
    description="Node pools and VM groups stay under the environment's node limit, and the stack's GPUs "
    "under its GPU limit.",
    severity="high",
    resource_types=POOL_TYPES | JOINED_TYPES,
    remediation=(
        "Lower the pool's maximum (gpuPools[].maxNodes, autoscalingGroups[].maxSize, cluster.systemPool.maxNodes), "
        "or raise maxNodesPerPool / maxTotalGpus for this environment in policies/config/<env>.json."
    ),
    config={
        "maxNodesPerPool": {
            "type": "integer",
            "minimum": 1,
            "default": 10,
            "description": "Largest maximum size of any one node pool or VM group.",
        },
        "maxTotalGpus": {
            "type": "integer",
            "minimum": 0,
            "default": 8,
            "description": "GPUs the stack may run at once, every GPU pool at its maximum size.",
        },
    },
    check=check,
)
