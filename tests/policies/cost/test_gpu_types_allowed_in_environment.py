"""MLP-001 gpu-types-allowed-in-environment on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.gpu_types_allowed_in_environment import RULE

from tests.policies.shapes import (
    U_ARRAY,
    U_STRING,
    aws_asg,
    aws_bucket,
    aws_gpu_node_group,
    aws_launch_template,
    aws_system_node_group,
    azure_cluster,
    azure_gpu_agent_pool,
    azure_vmss,
    changed,
    env_config,
    gcp_gpu_node_pool,
    gcp_instance_template,
    verdict,
)

DEV = env_config("dev", RULE)
PROD = env_config("prod", RULE)
DEV_ALLOWED = "(allowed accelerators: a10g, l4, t4, v100)"
H100_NODE_GROUP = changed(aws_gpu_node_group(), {"instanceTypes": ["p5.48xlarge"], "labels.mlplat/accelerator": "h100"})
A100_GKE = changed(
    gcp_gpu_node_pool(),
    {"nodeConfig.machineType": "a2-ultragpu-1g", "nodeConfig.guestAccelerators[0].type": "nvidia-a100-80gb"},
)
H100_AKS = changed(azure_gpu_agent_pool(), {"vmSize": "Standard_NC40ads_H100_v5"})

CASES: dict[str, tuple[Any, dict[str, Any], set[str]]] = {
    "pass_aws_dev_t4_node_group": (aws_gpu_node_group(), DEV, set()),
    "pass_aws_dev_system_pool_and_cpu_group": (aws_system_node_group(), DEV, set()),
    "pass_aws_dev_cpu_asg": (aws_asg(), DEV, set()),
    "pass_aws_prod_h100_allowed": (H100_NODE_GROUP, PROD, set()),
    "pass_aws_dev_type_allowed_by_name": (H100_NODE_GROUP, {**DEV, "allowedInstanceTypes": ["p5.48xlarge"]}, set()),
    "fail_aws_dev_h100_node_group": (
        H100_NODE_GROUP,
        DEV,
        {
            "node pool dev-gpu (dev-gpu-ng): p5.48xlarge (8 x h100) uses h100, which this environment does not "
            f"allow {DEV_ALLOWED}"
        },
    ),
    "fail_aws_dev_a100_in_asg_overrides": (
        changed(aws_asg(), {"mixedInstancesPolicy.launchTemplate.overrides[1].instanceType": "p4d.24xlarge"}),
        DEV,
        {
            "VM group batch-cpu-asg: p4d.24xlarge (8 x a100-40gb) uses a100-40gb, which this environment does not "
            f"allow {DEV_ALLOWED}"
        },
    ),
    "fail_aws_dev_launch_template_instance_type": (
        changed(aws_launch_template(), {"instanceType": "p4de.24xlarge"}),
        DEV,
        {
            "template dev-gpu-lt: p4de.24xlarge (8 x a100-80gb) uses a100-80gb, which this environment does not "
            f"allow {DEV_ALLOWED}"
        },
    ),
    "fail_aws_prod_gpu_type_not_in_catalog": (
        changed(aws_gpu_node_group(), {"instanceTypes": ["p6-b200.48xlarge"]}),
        PROD,
        {
            "node pool dev-gpu (dev-gpu-ng): p6-b200.48xlarge carries GPUs the catalog does not know; add it to "
            "blueprint/data/catalog.yaml or to allowedInstanceTypes"
        },
    ),
    "pass_gcp_dev_l4_node_pool": (gcp_gpu_node_pool(), DEV, set()),
    "pass_gcp_prod_a100_node_pool": (A100_GKE, PROD, set()),
    "pass_gcp_dev_cpu_instance_template": (gcp_instance_template(), DEV, set()),
    "fail_gcp_dev_a100_node_pool": (
        A100_GKE,
        DEV,
        {
            "node pool dev-l4: a2-ultragpu-1g (1 x a100-80gb (nvidia-a100-80gb)) uses a100-80gb, which this "
            f"environment does not allow {DEV_ALLOWED}"
        },
    ),
    "fail_gcp_dev_h100_machine_type_without_guest_accelerators": (
        changed(gcp_gpu_node_pool(), {"nodeConfig.machineType": "a3-highgpu-8g", "nodeConfig.guestAccelerators": []}),
        DEV,
        {f"node pool dev-l4: a3-highgpu-8g (8 x h100) uses h100, which this environment does not allow {DEV_ALLOWED}"},
    ),
    "fail_gcp_dev_h100_in_instance_template": (
        changed(
            gcp_instance_template(),
            {"machineType": "a3-highgpu-8g", "guestAccelerators": [{"type": "nvidia-h100-80gb", "count": 8}]},
        ),
        DEV,
        {
            "template batch-cpu-template: a3-highgpu-8g (8 x h100 (nvidia-h100-80gb)) uses h100, which this "
            f"environment does not allow {DEV_ALLOWED}"
        },
    ),
    "pass_azure_dev_t4_agent_pool": (azure_gpu_agent_pool(), DEV, set()),
    "pass_azure_dev_cpu_vmss_and_system_pool": (azure_vmss(), DEV, set()),
    "pass_azure_prod_h100_agent_pool": (H100_AKS, PROD, set()),
    "fail_azure_dev_h100_agent_pool": (
        H100_AKS,
        DEV,
        {
            "node pool gput4: Standard_NC40ads_H100_v5 (1 x h100) uses h100, which this environment does not allow "
            f"{DEV_ALLOWED}"
        },
    ),
    "fail_azure_dev_a100_vmss": (
        changed(azure_vmss(), {"sku.name": "Standard_ND96asr_v4"}),
        DEV,
        {
            "VM group batch-cpu-vmss: Standard_ND96asr_v4 (8 x a100-40gb) uses a100-40gb, which this environment does "
            f"not allow {DEV_ALLOWED}"
        },
    ),
    "fail_azure_dev_a100_inline_system_profile": (
        changed(azure_cluster(), {"agentPoolProfiles[0].vmSize": "Standard_ND96asr_v4"}),
        DEV,
        {
            "node pool system (aks): Standard_ND96asr_v4 (8 x a100-40gb) uses a100-40gb, which this environment does "
            f"not allow {DEV_ALLOWED}"
        },
    ),
}


@pytest.mark.parametrize(("subject", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, config: dict[str, Any], expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, config)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_default_config_forbids_premium_accelerators() -> None:
    assert RULE.defaults()["allowedAccelerators"] == ["t4", "l4", "a10g", "v100"]
    assert verdict(RULE, H100_NODE_GROUP)[0] == "fail"


def test_not_applicable_to_buckets() -> None:
    assert verdict(RULE, aws_bucket(), DEV) == ("not-applicable", set())


@pytest.mark.parametrize(
    "subject",
    [
        changed(H100_NODE_GROUP, {"instanceTypes": U_ARRAY}),
        changed(A100_GKE, {"nodeConfig.guestAccelerators[0].type": U_STRING}),
        changed(H100_AKS, {"vmSize": U_STRING}),
    ],
    ids=["unknown_aws_instance_types", "unknown_gcp_accelerator", "unknown_azure_vm_size"],
)
def test_unknown_values_are_not_failures(subject: Any) -> None:
    assert verdict(RULE, subject, DEV) == ("unknown", set())
