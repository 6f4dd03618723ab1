"""MLP-004: outside prod, GPU node pools and batch VM groups run on spot (preemptible) capacity.

Node pools with GPUs must be spot (EKS capacityType SPOT, GKE spot/preemptible nodes, AKS
scaleSetPriority Spot). Batch groups (ASG, MIG, VMSS) must have no on-demand base and at most
`maxOnDemandPercent` on-demand capacity above it; an ASG without a mixed-instances policy is
on-demand unless its launch template asks for the spot market. Enable this policy in
non-prod configs; prod disables it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from mlp_policies.compute import JOINED_TYPES, POOL_TYPES, Pool, stack_pools, value
from mlp_policies.resources import Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.values import fmt


def _uses_spot(pool: Pool, exempt: frozenset[str], max_on_demand: float) -> Outcome:
    if pool.kind == "node-pool" and not pool.has_gpus():
        return not_applicable(f"{pool.label} has no GPUs")
    if pool.kind not in ("node-pool", "vm-group"):
        return not_applicable(f"{pool.label} is neither a node pool nor a batch group")
    if pool.name in exempt or pool.resource.name in exempt:
        return not_applicable(f"{pool.label} is exempt (exemptPools)")
    spot = value(pool.spot_percent)
    if spot is None:
        return fail(f"{pool.label}: cannot tell whether it runs on spot (no instance template found)")
    base = value(pool.on_demand_base)
    on_demand = 100.0 - spot
    if pool.kind == "node-pool":
        return PASS if spot >= 100 else fail(f"{pool.label} runs GPU nodes on demand; outside prod they must be spot")
    problems = []
    if base > 0:
        problems.append(f"keeps {fmt(base)} on-demand base instances")
    if on_demand > max_on_demand:
        problems.append(f"runs {fmt(on_demand)} % on demand above its base (at most {fmt(max_on_demand)} % allowed)")
    return fail(f"{pool.label} " + " and ".join(problems)) if problems else PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    exempt = frozenset(config["exemptPools"])
    pools = [p for p in stack_pools(stack) if p.kind != "template"]
    if not pools:
        yield Finding(None, not_applicable("the stack has no node pools or VM groups"))
    for pool in pools:
        yield judge(pool.resource, partial(_uses_spot, pool, exempt, float(config["maxOnDemandPercent"])))


RULE = StackRule(
    id="MLP-004",
    name="gpu-pools-and-batch-groups-use-spot",
    description="Outside prod, GPU node pools and batch VM groups run on spot/preemptible capacity.",
    severity="medium",
    resource_types=POOL_TYPES | JOINED_TYPES,
    remediation=(
        "Set gpuPools[].capacity to spot and autoscalingGroups[].spotPercentage to 100 with onDemandBaseCapacity 0, "
        "or exempt the pool by name (exemptPools) or allow some on-demand share (maxOnDemandPercent) in "
        "policies/config/<env>.json."
    ),
    config={
        "maxOnDemandPercent": {
            "type": "number",
            "minimum": 0,
            "maximum": 100,
            "default": 0,
            "description": "On-demand share a batch group may run above a zero on-demand base.",
        },
        "exemptPools": {
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": True,
            "default": [],
            "description": "Pool or group names (mlplat/pool label or resource name) allowed to run on demand.",
        },
    },
    check=check,
)
