"""MLP-002 compute-within-capacity-limits on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.compute_within_capacity_limits import RULE

from tests.policies.shapes import (
    U_NUMBER,
    aws_asg,
    aws_gpu_node_group,
    aws_system_node_group,
    azure_autoscale,
    azure_cluster,
    azure_gpu_agent_pool,
    azure_vmss,
    changed,
    env_config,
    gcp_autoscaler,
    gcp_gpu_node_pool,
    gcp_instance_template,
    gcp_mig,
    gcp_system_node_pool,
    stack_verdict,
)

DEV = {**env_config("dev", RULE), "maxTotalGpus": 4}  # 4 nodes per pool (dev.json), 4 GPUs
PROD = env_config("prod", RULE)  # 16 nodes per pool, 64 GPUs


def aws_stack(gpu: Any = None, *extra: Any) -> list[Any]:
    return [gpu or aws_gpu_node_group(), aws_system_node_group(), aws_asg(), *extra]


def gcp_stack(gpu: Any = None, autoscaler_max: int = 4) -> list[Any]:
    template = gcp_instance_template()
    mig = gcp_mig(template)
    autoscaler = changed(gcp_autoscaler(mig), {"autoscalingPolicy.maxReplicas": autoscaler_max})
    return [gpu or gcp_gpu_node_pool(), gcp_system_node_pool(), template, mig, autoscaler]


def azure_stack(gpu: Any = None, autoscale_max: str = "4") -> list[Any]:
    vmss = azure_vmss()
    return [
        gpu or azure_gpu_agent_pool(),
        azure_cluster(),
        vmss,
        changed(azure_autoscale(vmss), {"profiles[0].capacity.maximum": autoscale_max}),
    ]


NG = "node pool dev-gpu (dev-gpu-ng)"
CASES: dict[str, tuple[list[Any], dict[str, Any], set[tuple[str | None, str]]]] = {
    "pass_aws_dev_stack": (aws_stack(), DEV, set()),
    "pass_aws_prod_eight_gpu_nodes": (
        aws_stack(changed(aws_gpu_node_group(), {"instanceTypes": ["p4de.24xlarge"], "scalingConfig.maxSize": 4.0})),
        PROD,
        set(),
    ),
    "fail_aws_pool_above_node_limit": (
        aws_stack(changed(aws_gpu_node_group(), {"scalingConfig.maxSize": 6.0})),
        DEV,
        {
            ("dev-gpu-ng", f"{NG} may grow to 6 nodes, above maxNodesPerPool 4"),
            (None, "the stack may run 6 GPUs (dev-gpu 6 x 1), above maxTotalGpus 4"),
        },
    ),
    "fail_aws_total_gpus_across_pools": (
        aws_stack(
            changed(aws_gpu_node_group(), {"instanceTypes": ["g4dn.12xlarge"]}),
            changed(aws_gpu_node_group("dev-l4-ng"), {"labels.mlplat/pool": "dev-l4", "instanceTypes": ["g6.xlarge"]}),
        ),
        DEV,
        {(None, "the stack may run 10 GPUs (dev-gpu 2 x 4, dev-l4 2 x 1), above maxTotalGpus 4")},
    ),
    "fail_aws_asg_above_node_limit": (
        aws_stack(None, changed(aws_asg(), {"maxSize": 5.0})),
        DEV,
        {("batch-cpu-asg", "VM group batch-cpu-asg may grow to 5 nodes, above maxNodesPerPool 4")},
    ),
    "fail_aws_gpu_type_not_in_catalog": (
        aws_stack(changed(aws_gpu_node_group(), {"instanceTypes": ["p6-b200.48xlarge"]})),
        PROD,
        {(None, f"cannot count the GPUs of {NG}: a GPU type not in the catalog, or no maximum size")},
    ),
    "pass_gcp_dev_stack": (gcp_stack(), DEV, set()),
    "fail_gcp_per_zone_counts_in_three_zones": (
        gcp_stack(changed(gcp_gpu_node_pool(), {"autoscaling": {"minNodeCount": 0, "maxNodeCount": 2}})),
        DEV,
        {
            ("dev-l4", "node pool dev-l4 may grow to 6 nodes, above maxNodesPerPool 4"),
            (None, "the stack may run 6 GPUs (dev-l4 6 x 1), above maxTotalGpus 4"),
        },
    ),
    "fail_gcp_mig_autoscaler_above_node_limit": (
        gcp_stack(None, autoscaler_max=10),
        DEV,
        {("batch-cpu-mig", "VM group batch-cpu-mig may grow to 10 nodes, above maxNodesPerPool 4")},
    ),
    "pass_azure_dev_stack": (azure_stack(), DEV, set()),
    "fail_azure_fixed_gpu_pool_above_limits": (
        azure_stack(changed(azure_gpu_agent_pool(), {"enableAutoScaling": False, "count": 5})),
        DEV,
        {
            ("gput4", "node pool gput4 may grow to 5 nodes, above maxNodesPerPool 4"),
            (None, "the stack may run 5 GPUs (gput4 5 x 1), above maxTotalGpus 4"),
        },
    ),
    "fail_azure_vmss_autoscale_above_node_limit": (
        azure_stack(None, autoscale_max="12"),
        DEV,
        {("batch-cpu-vmss", "VM group batch-cpu-vmss may grow to 12 nodes, above maxNodesPerPool 4")},
    ),
}


@pytest.mark.parametrize(("resources", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], config: dict[str, Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, config)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_no_pools_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], DEV) == ({"not-applicable"}, set(), set())


def test_unknown_maximum_is_not_a_failure() -> None:
    gpu = changed(aws_gpu_node_group(), {"scalingConfig.maxSize": U_NUMBER})
    statuses, failures, unknowns = stack_verdict(RULE, aws_stack(gpu), DEV)
    assert "fail" not in statuses
    assert failures == set()
    assert unknowns == {"dev-gpu-ng", None}  # the pool, and the stack's GPU total
