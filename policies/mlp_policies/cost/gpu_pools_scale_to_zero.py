"""MLP-003: outside prod, every pool with GPUs scales down to zero nodes when idle.

A GPU node left running overnight costs more than the rest of a dev stack. Pools with GPUs are
the declared GPU pools and any pool or group whose machine type carries GPUs; their minimum
must be 0 (GKE: autoscaling with a zero minimum; AKS: autoscaling with minCount 0).
Enable this policy in non-prod configs; prod disables it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from mlp_policies.compute import JOINED_TYPES, POOL_TYPES, Pool, stack_pools, value
from mlp_policies.resources import Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.values import fmt


def _scales_to_zero(pool: Pool, exempt: frozenset[str]) -> Outcome:
    if not pool.has_gpus():
        return not_applicable(f"{pool.label} has no GPUs")
    if pool.name in exempt or pool.resource.name in exempt:
        return not_applicable(f"{pool.label} is exempt (exemptPools)")
    least = value(pool.min_nodes)
    if least is not None and least > 0:
        return fail(f"{pool.label} keeps at least {fmt(least)} GPU nodes running; outside prod the minimum must be 0")
    return PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    exempt = frozenset(config["exemptPools"])
    pools = [p for p in stack_pools(stack) if p.kind != "template"]
    if not pools:
        yield Finding(None, not_applicable("the stack has no node pools or VM groups"))
    for pool in pools:
        yield judge(pool.resource, partial(_scales_to_zero, pool, exempt))


RULE = StackRule(
    id="MLP-003",
    name="gpu-pools-scale-to-zero",
    description="Outside prod, node pools and groups with GPUs scale to zero (minimum 0 nodes).",
    severity="high",
    resource_types=POOL_TYPES | JOINED_TYPES,
    remediation=(
        "Set gpuPools[].minNodes to 0 (the cluster autoscaler scales up from zero on demand), or exempt the pool "
        "by name in exemptPools in policies/config/<env>.json."
    ),
    config={
        "exemptPools": {
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": True,
            "default": [],
            "description": "Pool names (mlplat/pool label or resource name) allowed to keep GPU nodes warm.",
        },
    },
    check=check,
)
