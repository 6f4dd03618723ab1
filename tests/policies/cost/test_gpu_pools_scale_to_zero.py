"""MLP-003 gpu-pools-scale-to-zero on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.gpu_pools_scale_to_zero import RULE

from tests.policies.shapes import (
    DELETE,
    U_NUMBER,
    aws_asg,
    aws_gpu_node_group,
    aws_system_node_group,
    azure_cluster,
    azure_gpu_agent_pool,
    changed,
    env_config,
    gcp_gpu_node_pool,
    gcp_system_node_pool,
    stack_verdict,
)

DEV = env_config("dev", RULE)
MUST = "outside prod the minimum must be 0"

CASES: dict[str, tuple[list[Any], dict[str, Any], set[tuple[str | None, str]]]] = {
    "pass_aws_dev_gpu_pool_from_zero_system_pool_warm": (
        [aws_gpu_node_group(), aws_system_node_group(), aws_asg()],
        DEV,
        set(),
    ),
    "pass_aws_exempt_pool": (
        [changed(aws_gpu_node_group(), {"scalingConfig.minSize": 1.0})],
        {**DEV, "exemptPools": ["dev-gpu"]},
        set(),
    ),
    "fail_aws_gpu_pool_min_one": (
        [changed(aws_gpu_node_group(), {"scalingConfig.minSize": 1.0}), aws_system_node_group()],
        DEV,
        {("dev-gpu-ng", f"node pool dev-gpu (dev-gpu-ng) keeps at least 1 GPU nodes running; {MUST}")},
    ),
    "fail_aws_asg_with_gpu_type_kept_warm": (
        [
            changed(
                aws_asg(),
                {"minSize": 2.0, "mixedInstancesPolicy.launchTemplate.overrides": [{"instanceType": "g5.xlarge"}]},
            )
        ],
        DEV,
        {("batch-cpu-asg", f"VM group batch-cpu-asg keeps at least 2 GPU nodes running; {MUST}")},
    ),
    "pass_gcp_dev_gpu_pool_from_zero": ([gcp_gpu_node_pool(), gcp_system_node_pool()], DEV, set()),
    "fail_gcp_fixed_size_pool_in_two_zones": (
        [
            changed(
                gcp_gpu_node_pool(),
                {"autoscaling": DELETE, "nodeCount": 1, "nodeLocations": ["europe-west4-a", "europe-west4-b"]},
            )
        ],
        DEV,
        {("dev-l4", f"node pool dev-l4 keeps at least 2 GPU nodes running; {MUST}")},
    ),
    "fail_gcp_per_zone_minimum_in_region": (
        [changed(gcp_gpu_node_pool(), {"autoscaling": {"minNodeCount": 1, "maxNodeCount": 2}})],
        DEV,
        {("dev-l4", f"node pool dev-l4 keeps at least 3 GPU nodes running; {MUST}")},
    ),
    "pass_azure_dev_gpu_pool_from_zero": ([azure_gpu_agent_pool(), azure_cluster()], DEV, set()),
    "fail_azure_min_count_one": (
        [changed(azure_gpu_agent_pool(), {"minCount": 1})],
        DEV,
        {("gput4", f"node pool gput4 keeps at least 1 GPU nodes running; {MUST}")},
    ),
    "fail_azure_without_autoscaling": (
        [changed(azure_gpu_agent_pool(), {"enableAutoScaling": False, "count": 1})],
        DEV,
        {("gput4", f"node pool gput4 keeps at least 1 GPU nodes running; {MUST}")},
    ),
}


@pytest.mark.parametrize(("resources", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], config: dict[str, Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, config)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_pools_without_gpus_are_not_applicable() -> None:
    assert stack_verdict(RULE, [aws_system_node_group(), aws_asg()], DEV) == ({"not-applicable"}, set(), set())


def test_unknown_minimum_is_not_a_failure() -> None:
    gpu = changed(aws_gpu_node_group(), {"scalingConfig.minSize": U_NUMBER})
    assert stack_verdict(RULE, [gpu], DEV) == ({"unknown"}, set(), {"dev-gpu-ng"})
