"""MLP-004 gpu-pools-and-batch-groups-use-spot on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.gpu_pools_and_batch_groups_use_spot import RULE

from tests.policies.shapes import (
    DELETE,
    U_STRING,
    aws_asg,
    aws_gpu_node_group,
    aws_launch_template,
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
    linked,
    stack_verdict,
)

DEV = env_config("dev", RULE)
ON_DEMAND_GPUS = "runs GPU nodes on demand; outside prod they must be spot"


def plain_lt_asg(template: Any) -> list[Any]:
    """An ASG with a plain launch template (no mixed-instances policy)."""
    asg = changed(
        aws_asg(),
        {"mixedInstancesPolicy": DELETE, "launchTemplate": {"id": "lt-50ee2c6c234c48fb4", "version": "$Latest"}},
    )
    return [linked(asg, launchTemplate=template), template]


def gcp_batch(template: Any) -> list[Any]:
    mig = gcp_mig(template)
    return [template, mig, gcp_autoscaler(mig)]


SPOT_LT = changed(aws_launch_template("batch-cpu-lt"), {"instanceMarketOptions": {"marketType": "spot"}})
STANDARD = {"scheduling.provisioningModel": "STANDARD", "scheduling.preemptible": False}

CASES: dict[str, tuple[list[Any], dict[str, Any], set[tuple[str | None, str]]]] = {
    "pass_aws_dev_spot_gpu_pool_and_group": ([aws_gpu_node_group(), aws_system_node_group(), aws_asg()], DEV, set()),
    "pass_aws_plain_launch_template_on_spot_market": (plain_lt_asg(SPOT_LT), DEV, set()),
    "pass_aws_on_demand_share_allowed": (
        [changed(aws_asg(), {"mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity": 20.0})],
        {**DEV, "maxOnDemandPercent": 25},
        set(),
    ),
    "fail_aws_on_demand_gpu_pool": (
        [changed(aws_gpu_node_group(), {"capacityType": "ON_DEMAND"})],
        DEV,
        {("dev-gpu-ng", f"node pool dev-gpu (dev-gpu-ng) {ON_DEMAND_GPUS}")},
    ),
    "fail_aws_gpu_pool_default_capacity_is_on_demand": (
        [changed(aws_gpu_node_group(), {"capacityType": DELETE})],
        DEV,
        {("dev-gpu-ng", f"node pool dev-gpu (dev-gpu-ng) {ON_DEMAND_GPUS}")},
    ),
    "fail_aws_asg_on_demand_base_and_share": (
        [
            changed(
                aws_asg(),
                {
                    "mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity": 50.0,
                    "mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity": 1.0,
                },
            )
        ],
        DEV,
        {
            (
                "batch-cpu-asg",
                "VM group batch-cpu-asg keeps 1 on-demand base instances and runs 50 % on demand above its base "
                "(at most 0 % allowed)",
            )
        },
    ),
    "fail_aws_asg_plain_launch_template_on_demand": (
        plain_lt_asg(aws_launch_template("batch-cpu-lt")),
        DEV,
        {("batch-cpu-asg", "VM group batch-cpu-asg runs 100 % on demand above its base (at most 0 % allowed)")},
    ),
    "pass_gcp_dev_spot_pool_and_group": (
        [gcp_gpu_node_pool(), gcp_system_node_pool(), *gcp_batch(gcp_instance_template())],
        DEV,
        set(),
    ),
    "fail_gcp_on_demand_gpu_pool": (
        [changed(gcp_gpu_node_pool(), {"nodeConfig.spot": False})],
        DEV,
        {("dev-l4", f"node pool dev-l4 {ON_DEMAND_GPUS}")},
    ),
    "fail_gcp_standard_instance_template": (
        gcp_batch(changed(gcp_instance_template(), STANDARD)),
        DEV,
        {("batch-cpu-mig", "VM group batch-cpu-mig runs 100 % on demand above its base (at most 0 % allowed)")},
    ),
    "pass_azure_dev_spot_pool_and_group": (
        [azure_gpu_agent_pool(), azure_cluster(), azure_vmss(), azure_autoscale(azure_vmss())],
        DEV,
        set(),
    ),
    "fail_azure_regular_priority_gpu_pool": (
        [changed(azure_gpu_agent_pool(), {"scaleSetPriority": "Regular"})],
        DEV,
        {("gput4", f"node pool gput4 {ON_DEMAND_GPUS}")},
    ),
    "fail_azure_regular_vmss": (
        [changed(azure_vmss(), {"virtualMachineProfile.priority": "Regular"})],
        DEV,
        {("batch-cpu-vmss", "VM group batch-cpu-vmss runs 100 % on demand above its base (at most 0 % allowed)")},
    ),
}


@pytest.mark.parametrize(("resources", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], config: dict[str, Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, config)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_exempt_pool_may_run_on_demand() -> None:
    gpu = changed(aws_gpu_node_group(), {"capacityType": "ON_DEMAND"})
    assert stack_verdict(RULE, [gpu], {**DEV, "exemptPools": ["dev-gpu"]}) == ({"not-applicable"}, set(), set())


def test_unknown_capacity_type_is_not_a_failure() -> None:
    gpu = changed(aws_gpu_node_group(), {"capacityType": U_STRING})
    assert stack_verdict(RULE, [gpu], DEV) == ({"unknown"}, set(), {"dev-gpu-ng"})
