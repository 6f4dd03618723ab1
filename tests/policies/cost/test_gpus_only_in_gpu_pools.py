"""MLP-005 gpus-only-in-gpu-pools on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.gpus_only_in_gpu_pools import RULE

from tests.policies.shapes import (
    U_ARRAY,
    aws_asg,
    aws_gpu_node_group,
    aws_launch_template,
    aws_system_node_group,
    azure_cluster,
    azure_gpu_agent_pool,
    azure_vmss,
    changed,
    gcp_autoscaler,
    gcp_gpu_node_pool,
    gcp_instance_template,
    gcp_mig,
    gcp_system_node_pool,
    linked,
    stack_verdict,
)

NOT_DECLARED = "not a declared GPU pool (no mlplat/accelerator node label), but runs"
UNDECLARED = "is " + NOT_DECLARED


def gcp_batch(template: Any) -> list[Any]:
    mig = gcp_mig(template)
    return [template, mig, gcp_autoscaler(mig)]


def system_with_template(instance_type: str) -> list[Any]:
    template = changed(aws_launch_template("cluster-system"), {"instanceType": instance_type})
    system = changed(aws_system_node_group(), {"instanceTypes": []})
    return [linked(system, launchTemplate=template), template]


CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_gpus_in_declared_pool_only": ([aws_gpu_node_group(), aws_system_node_group(), aws_asg()], set()),
    "pass_aws_cpu_type_from_launch_template": (system_with_template("m6i.large"), set()),
    "fail_aws_system_pool_on_gpus": (
        [changed(aws_system_node_group(), {"instanceTypes": ["g5.xlarge"]})],
        {
            (
                "cluster-system",
                f"node pool system (cluster-system) is a system pool, {NOT_DECLARED} g5.xlarge (1 x a10g)",
            )
        },
    ),
    "fail_aws_system_pool_gpu_type_in_launch_template": (
        system_with_template("g6.xlarge"),
        {("cluster-system", f"node pool system (cluster-system) is a system pool, {NOT_DECLARED} g6.xlarge (1 x l4)")},
    ),
    "fail_aws_cpu_group_with_gpu_override": (
        [changed(aws_asg(), {"mixedInstancesPolicy.launchTemplate.overrides[0].instanceType": "g4dn.xlarge"})],
        {("batch-cpu-asg", f"VM group batch-cpu-asg is a CPU group, {NOT_DECLARED} g4dn.xlarge (1 x t4)")},
    ),
    "pass_gcp_gpus_in_declared_pool_only": (
        [gcp_gpu_node_pool(), gcp_system_node_pool(), *gcp_batch(gcp_instance_template())],
        set(),
    ),
    "fail_gcp_system_pool_with_guest_accelerator": (
        [
            changed(
                gcp_system_node_pool(),
                {
                    "nodeConfig.machineType": "n1-standard-8",
                    "nodeConfig.guestAccelerators": [{"type": "nvidia-tesla-t4", "count": 1}],
                },
            )
        ],
        {("system", f"node pool system is a system pool, {NOT_DECLARED} n1-standard-8 (1 x t4 (nvidia-tesla-t4))")},
    ),
    "fail_gcp_cpu_group_template_on_gpu_machine": (
        gcp_batch(changed(gcp_instance_template(), {"machineType": "g2-standard-8"})),
        {("batch-cpu-mig", f"VM group batch-cpu-mig is a CPU group, {NOT_DECLARED} g2-standard-8 (1 x l4)")},
    ),
    "pass_azure_gpus_in_declared_pool_only": ([azure_gpu_agent_pool(), azure_cluster(), azure_vmss()], set()),
    "fail_azure_system_profile_on_gpus": (
        [changed(azure_cluster(), {"agentPoolProfiles[0].vmSize": "Standard_NC4as_T4_v3"})],
        {("aks", f"node pool system (aks) is a system pool, {NOT_DECLARED} Standard_NC4as_T4_v3 (1 x t4)")},
    ),
    "fail_azure_undeclared_user_pool_and_vmss": (
        [
            changed(azure_gpu_agent_pool(), {"nodeLabels": {"team": "research"}}),
            changed(azure_vmss(), {"sku.name": "Standard_NC6s_v3"}),
        ],
        {
            ("gput4", f"node pool gput4 {UNDECLARED} Standard_NC4as_T4_v3 (1 x t4)"),
            ("batch-cpu-vmss", f"VM group batch-cpu-vmss is a CPU group, {NOT_DECLARED} Standard_NC6s_v3 (1 x v100)"),
        },
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_unknown_instance_types_are_not_a_failure() -> None:
    system = changed(aws_system_node_group(), {"instanceTypes": U_ARRAY})
    assert stack_verdict(RULE, [system, aws_gpu_node_group()]) == ({"pass", "unknown"}, set(), {"cluster-system"})
