"""MLP-044 eks-gpu-pools-have-cluster-autoscaler on EKS node groups and the Cluster Autoscaler
release the AWS platform installs."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cluster.eks_gpu_pools_have_cluster_autoscaler import RULE

from tests.policies.cluster.cluster_shapes import autoscaler, eks_gpu_pool, gke_gpu_pool
from tests.policies.shapes import U_OBJECT, U_STRING, aws_system_node_group, changed, stack_verdict

POOL = "node pool dev-gpu (dev-gpu-ng)"
UNLABELLED = changed(eks_gpu_pool(), {"labels": {"mlplat/pool": "dev-gpu"}, "instanceTypes": ["m6i.large"]})

CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_gpu_pool_with_autoscaler": ([eks_gpu_pool(), aws_system_node_group(), autoscaler()], set()),
    "pass_aws_bottlerocket_pool_with_autoscaler": (
        [changed(eks_gpu_pool(), {"amiType": "BOTTLEROCKET_x86_64_NVIDIA"}), autoscaler()],
        set(),
    ),
    "pass_aws_fixed_size_gpu_pool_without_autoscaler": (
        [changed(eks_gpu_pool(), {"scalingConfig.minSize": 2.0, "scalingConfig.maxSize": 2.0})],
        set(),
    ),
    "pass_aws_cpu_pools_need_no_autoscaler_here": ([aws_system_node_group()], set()),
    "fail_aws_gpu_pool_without_autoscaler": (
        [eks_gpu_pool(), aws_system_node_group()],
        {
            (
                "dev-gpu-ng",
                f"{POOL} of cluster ml-platform-aws-dev has no Cluster Autoscaler: EKS never adds its nodes "
                "(from 0 up to 2)",
            )
        },
    ),
    "fail_aws_gpu_ami_alone_makes_it_a_gpu_pool": (
        [UNLABELLED],
        {
            (
                "dev-gpu-ng",
                f"{POOL} of cluster ml-platform-aws-dev has no Cluster Autoscaler: EKS never adds its nodes "
                "(from 0 up to 2)",
            )
        },
    ),
    "fail_aws_autoscaler_of_another_cluster": (
        [eks_gpu_pool(), autoscaler("ml-platform-aws-prod")],
        {
            (
                "dev-gpu-ng",
                f"{POOL} of cluster ml-platform-aws-dev: no Cluster Autoscaler discovers it "
                "(cluster-autoscaler-release discovers ml-platform-aws-prod)",
            )
        },
    ),
    "fail_aws_autoscaler_discovering_nothing": (
        [eks_gpu_pool(), autoscaler(None)],
        {
            (
                "dev-gpu-ng",
                f"{POOL} of cluster ml-platform-aws-dev: no Cluster Autoscaler discovers it "
                "(cluster-autoscaler-release discovers no cluster (values.autoDiscovery.clusterName unset))",
            )
        },
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_other_clouds_are_not_applicable() -> None:
    assert stack_verdict(RULE, [gke_gpu_pool()]) == ({"not-applicable"}, set(), set())


def test_unknown_cluster_name_in_the_values_is_not_a_failure() -> None:
    unknown_values = changed(autoscaler(), {"values": U_OBJECT})
    assert stack_verdict(RULE, [eks_gpu_pool(), unknown_values]) == ({"unknown"}, set(), {"dev-gpu-ng"})
    unknown_name = changed(autoscaler(), {"values.autoDiscovery.clusterName": U_STRING})
    assert stack_verdict(RULE, [eks_gpu_pool(), unknown_name]) == ({"unknown"}, set(), {"dev-gpu-ng"})
