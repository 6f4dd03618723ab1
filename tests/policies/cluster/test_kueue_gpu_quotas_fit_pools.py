"""MLP-046 kueue-gpu-quotas-fit-pools: Kueue flavors and cluster queues against the GPU pools
of all three clouds (capacity = max nodes x the catalog's GPUs per node)."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cluster.kueue_gpu_quotas_fit_pools import RULE

from tests.policies.cluster.cluster_shapes import aks_gpu_pool, cluster_queue, eks_gpu_pool, flavor, gke_gpu_pool
from tests.policies.shapes import U_NUMBER, changed, stack_verdict

# dev-gpu: g4dn.xlarge (1 x T4), 2 nodes. An 8-GPU pool: p4d.24xlarge, 4 nodes = 32 GPUs.
EKS_8 = changed(eks_gpu_pool(), {"instanceTypes": ["p4d.24xlarge"], "scalingConfig.maxSize": 4.0})
FLAVOR = "cluster-layer-queues-flavor-dev-gpu"


def queues(*quotas: tuple[str, Any, Any]) -> list[Any]:
    return [cluster_queue(name, {"dev-gpu": (nominal, borrowing)}) for name, nominal, borrowing in quotas]


CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_shares_add_up_to_the_pool": (
        [EKS_8, flavor("dev-gpu"), *queues(("trainer", 16.0, 16.0), ("server", 16.0, 16.0))],
        set(),
    ),
    "pass_aws_no_borrowing_limit_borrows_the_cohort": (
        [EKS_8, flavor("dev-gpu"), *queues(("trainer", 4.0, None), ("server", 4.0, None))],
        set(),
    ),
    "fail_aws_nominal_quotas_exceed_the_pool": (
        [EKS_8, flavor("dev-gpu"), *queues(("trainer", 24.0, 8.0), ("server", "16", 16.0))],
        {
            (
                FLAVOR,
                "ClusterQueues guarantee 40 nvidia.com/gpu on flavor dev-gpu (trainer 24, server 16), more than node "
                "pool dev-gpu (dev-gpu-ng) can have: 32 (4 nodes x 8 GPUs)",
            )
        },
    ),
    "fail_aws_queue_cannot_reach_one_node": (
        [EKS_8, flavor("dev-gpu"), *queues(("trainer", 4.0, 2.0), ("server", 4.0, 28.0))],
        {
            (
                FLAVOR,
                "ClusterQueue trainer can use at most 6 nvidia.com/gpu on flavor dev-gpu (nominal 4 + borrowing 2), "
                "less than one node of node pool dev-gpu (dev-gpu-ng) (8 GPUs): a job asking for a whole node never "
                "runs",
            )
        },
    ),
    "fail_aws_cohort_total_below_one_node": (
        [EKS_8, flavor("dev-gpu"), *queues(("trainer", 2.0, None), ("server", 2.0, None))],
        {
            (
                FLAVOR,
                f"ClusterQueue {name} can use at most 4 nvidia.com/gpu on flavor dev-gpu (what cohort mlplat-gpus "
                "holds), less than one node of node pool dev-gpu (dev-gpu-ng) (8 GPUs): a job asking for a whole "
                "node never runs",
            )
            for name in ("trainer", "server")
        },
    ),
    "pass_gcp_one_l4_per_node": (
        [gke_gpu_pool(), flavor("dev-l4"), cluster_queue("trainer", {"dev-l4": (1.0, 1.0)})],
        set(),
    ),
    "fail_gcp_quota_over_total_max_nodes": (
        [gke_gpu_pool(), flavor("dev-l4"), cluster_queue("trainer", {"dev-l4": (3.0, 0.0)})],
        {
            (
                "cluster-layer-queues-flavor-dev-l4",
                "ClusterQueues guarantee 3 nvidia.com/gpu on flavor dev-l4 (trainer 3), more than node pool dev-l4 "
                "can have: 2 (2 nodes x 1 GPUs)",
            )
        },
    ),
    "pass_azure_t4_pool": (
        [aks_gpu_pool(), flavor("gput4"), cluster_queue("trainer", {"gput4": (2.0, 0.0)})],
        set(),
    ),
    "fail_azure_zero_quota_without_cohort": (
        [aks_gpu_pool(), flavor("gput4"), cluster_queue("trainer", {"gput4": (0.0, None)}, cohort=None)],
        {
            (
                "cluster-layer-queues-flavor-gput4",
                "ClusterQueue trainer can use at most 0 nvidia.com/gpu on flavor gput4 (nominal 0, no cohort), less "
                "than one node of node pool gput4 (1 GPUs): a job asking for a whole node never runs",
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


def test_flavors_of_no_pool_and_stacks_without_flavors_are_not_applicable() -> None:
    assert stack_verdict(RULE, [EKS_8]) == ({"not-applicable"}, set(), set())
    assert stack_verdict(RULE, [EKS_8, flavor("elsewhere")]) == ({"not-applicable"}, set(), set())


def test_a_quota_that_is_no_quantity_fails_on_its_queue() -> None:
    found = stack_verdict(RULE, [EKS_8, flavor("dev-gpu"), *queues(("trainer", "lots", 0.0))])
    assert ("cluster-layer-queues-cq-trainer", "ClusterQueue trainer nominalQuota 'lots' is not a quantity") in found[1]


def test_unknown_quotas_or_bounds_are_not_failures() -> None:
    unknown_quota = queues(("trainer", U_NUMBER, 0.0))
    assert stack_verdict(RULE, [EKS_8, flavor("dev-gpu"), *unknown_quota]) == (
        {"unknown"},
        set(),
        {"cluster-layer-queues-cq-trainer", FLAVOR},
    )
    unknown_max = changed(EKS_8, {"scalingConfig.maxSize": U_NUMBER})
    found = stack_verdict(RULE, [unknown_max, flavor("dev-gpu"), *queues(("trainer", 40.0, 0.0))])
    assert found == ({"unknown"}, set(), {FLAVOR})
