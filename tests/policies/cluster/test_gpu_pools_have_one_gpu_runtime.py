"""MLP-043 gpu-pools-have-one-gpu-runtime on GPU pools of all three clouds and the NVIDIA
device plugin release the cluster layer installs for pools without a built-in runtime."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from mlp_policies.cluster.gpu_pools_have_one_gpu_runtime import RULE

from tests.policies.cluster.cluster_shapes import (
    GPU_TOLERATION,
    SPOT_TOLERATION,
    aks_gpu_pool,
    device_plugin,
    eks_gpu_pool,
    gke_gpu_pool,
)
from tests.policies.shapes import U_ARRAY, U_OBJECT, aws_system_node_group, changed, stack_verdict

PLUGIN = "Helm release cluster-layer-gpu-runtime-device-plugin"
NONE = "has no GPU runtime, so no pod can request nvidia.com/gpu there"
NO_RELEASE = "no nvidia-device-plugin release selects its labels and the node image has none built in"
TWO = "two device plugins advertise the same GPUs; keep one"
WORKLOAD_TAINT = {"key": "workload", "value": "inference", "effect": "NO_SCHEDULE"}
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}
BOTTLEROCKET = changed(eks_gpu_pool(runtime="bottlerocket"), {"amiType": "BOTTLEROCKET_x86_64_NVIDIA"})
SERVE = changed(eks_gpu_pool("serve-ng"), {"taints": [GPU_TAINT, WORKLOAD_TAINT]})
SERVE_LABELS = {**SERVE.props["labels"], "mlplat/pool": "serve"}
SERVE = changed(SERVE, {"labels": SERVE_LABELS})
EXISTS_WORKLOAD = {"key": "workload", "operator": "Exists", "effect": "NoSchedule"}

CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_al2023_pool_with_device_plugin": ([eks_gpu_pool(), aws_system_node_group(), device_plugin()], set()),
    "pass_aws_bottlerocket_pool_without_plugin": ([BOTTLEROCKET], set()),
    "pass_aws_bottlerocket_pool_outside_the_plugin_affinity": (
        [BOTTLEROCKET, eks_gpu_pool("b-ng"), device_plugin()],
        set(),
    ),
    "pass_aws_equal_toleration_with_the_same_value": (
        [
            SERVE,
            device_plugin(
                [GPU_TOLERATION, {"key": "workload", "operator": "Equal", "value": "inference", "effect": "NoSchedule"}]
            ),
        ],
        set(),
    ),
    "pass_aws_chart_default_affinity_and_tolerations": (
        [eks_gpu_pool(), changed(device_plugin(), {"values": {"gfd": {"enabled": False}}})],
        set(),
    ),
    "fail_aws_al2023_pool_without_plugin": (
        [eks_gpu_pool()],
        {("dev-gpu-ng", f"node pool dev-gpu (dev-gpu-ng) {NONE}: {NO_RELEASE}")},
    ),
    "fail_aws_plugin_does_not_tolerate_a_taint": (
        [SERVE, device_plugin()],
        {
            (
                "serve-ng",
                f"node pool serve (serve-ng) {NONE}: {PLUGIN} selects it but does not tolerate "
                "workload=inference:NoSchedule",
            )
        },
    ),
    "fail_aws_equal_toleration_with_another_value": (
        [
            SERVE,
            device_plugin(
                [GPU_TOLERATION, {"key": "workload", "operator": "Equal", "value": "training", "effect": "NoSchedule"}]
            ),
        ],
        {
            (
                "serve-ng",
                f"node pool serve (serve-ng) {NONE}: {PLUGIN} selects it but does not tolerate "
                "workload=inference:NoSchedule",
            )
        },
    ),
    "fail_aws_bottlerocket_pool_labelled_for_the_plugin": (
        [changed(eks_gpu_pool(), {"amiType": "BOTTLEROCKET_x86_64_NVIDIA"}), device_plugin()],
        {
            (
                "dev-gpu-ng",
                "node pool dev-gpu (dev-gpu-ng) has 2 GPU runtimes (the Bottlerocket device plugin "
                f"(BOTTLEROCKET_x86_64_NVIDIA), {PLUGIN}): {TWO}",
            )
        },
    ),
    "fail_aws_two_plugin_releases": (
        [eks_gpu_pool(), device_plugin(), dataclasses.replace(device_plugin(), name="other-plugin", urn="")],
        {
            (
                "dev-gpu-ng",
                f"node pool dev-gpu (dev-gpu-ng) has 2 GPU runtimes ({PLUGIN}, Helm release other-plugin): {TWO}",
            )
        },
    ),
    "pass_gcp_gke_builtin_runtime": ([gke_gpu_pool()], set()),
    "fail_gcp_gke_pool_with_a_plugin_as_well": (
        [gke_gpu_pool(), changed(device_plugin(), {"values": {}})],
        {
            (
                "dev-l4",
                f"node pool dev-l4 has 2 GPU runtimes (GKE's built-in device plugin, {PLUGIN}): {TWO}",
            )
        },
    ),
    "pass_azure_spot_pool_with_plugin_tolerating_the_spot_taint": (
        [aks_gpu_pool(), device_plugin([GPU_TOLERATION, SPOT_TOLERATION])],
        set(),
    ),
    "fail_azure_spot_pool_plugin_without_the_spot_toleration": (
        [aks_gpu_pool(), device_plugin()],
        {
            (
                "gput4",
                f"node pool gput4 {NONE}: {PLUGIN} selects it but does not tolerate "
                "kubernetes.azure.com/scalesetpriority=spot:NoSchedule",
            )
        },
    ),
    "fail_azure_undeclared_spot_taint_still_counts": (
        [changed(aks_gpu_pool(), {"nodeTaints": ["nvidia.com/gpu=true:NoSchedule"]}), device_plugin()],
        {
            (
                "gput4",
                f"node pool gput4 {NONE}: {PLUGIN} selects it but does not tolerate "
                "kubernetes.azure.com/scalesetpriority=spot:NoSchedule",
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


def test_stacks_without_gpu_pools_are_not_applicable() -> None:
    assert stack_verdict(RULE, [aws_system_node_group(), device_plugin()]) == ({"not-applicable"}, set(), set())


def test_unknown_labels_or_values_are_not_failures() -> None:
    assert stack_verdict(RULE, [changed(eks_gpu_pool(), {"taints": U_ARRAY}), device_plugin()]) == (
        {"unknown"},
        set(),
        {"dev-gpu-ng"},
    )
    assert stack_verdict(RULE, [eks_gpu_pool(), changed(device_plugin(), {"values": U_OBJECT})]) == (
        {"unknown"},
        set(),
        {"dev-gpu-ng"},
    )
