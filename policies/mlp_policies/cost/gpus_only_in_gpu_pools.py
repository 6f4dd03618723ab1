"""MLP-005: GPUs run only in declared GPU pools.

System node pools and CPU batch groups must not burn GPUs: a node pool whose machine type
carries GPUs must be a declared GPU pool (nodes labelled `mlplat/accelerator`, as the GPU pool
components do), and VM groups (ASG, MIG, VMSS), which the blueprint only builds for CPU batch
work, must not use GPU types at all. Launch/instance templates are judged inside the group or
node pool that uses them.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from mlp_policies.compute import ACCELERATOR_LABEL, JOINED_TYPES, POOL_TYPES, Pool, describe_machines, stack_pools
from mlp_policies.resources import Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable


def _gpus_declared(pool: Pool) -> Outcome:
    if pool.declared_gpu:
        return PASS
    gpu_machines = tuple(pool.gpu_machines())
    if not gpu_machines:
        return PASS
    what = "system pool" if pool.system else {"vm-group": "CPU group", "instance": "instance"}.get(pool.kind)
    role = f"is a {what}, not" if what else "is not"
    return fail(
        f"{pool.label} {role} a declared GPU pool (no {ACCELERATOR_LABEL} node label), but runs "
        f"{describe_machines(gpu_machines)}"
    )


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    pools = [p for p in stack_pools(stack) if p.kind != "template"]
    if not pools:
        yield Finding(None, not_applicable("the stack has no node pools or VM groups"))
    for pool in pools:
        yield judge(pool.resource, partial(_gpus_declared, pool))


RULE = StackRule(
    id="MLP-005",
    name="gpus-only-in-gpu-pools",
    description="GPU instance types run only in declared GPU pools, never in system pools or CPU batch groups.",
    severity="high",
    resource_types=POOL_TYPES | JOINED_TYPES,
    remediation=(
        "Give the system pool and autoscaling groups CPU types (cluster.systemPool.instanceType, "
        "autoscalingGroups[].instanceTypes) and declare GPU capacity as gpuPools[] instead."
    ),
    check=check,
)
