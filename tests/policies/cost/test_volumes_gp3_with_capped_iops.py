"""MLP-009 volumes-gp3-with-capped-iops on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.volumes_gp3_with_capped_iops import RULE

from tests.policies.shapes import (
    DELETE,
    TAGS,
    U_STRING,
    aws_gpu_node_group,
    aws_launch_template,
    azure_vmss,
    changed,
    env_config,
    gcp_gpu_node_pool,
    gcp_instance_template,
    res,
    verdict,
)

DEV = env_config("dev", RULE)  # 3000 IOPS
PROD = env_config("prod", RULE)  # 16000 IOPS
LT = "LaunchTemplate dev-gpu-lt /dev/xvda"
EBS = res(
    "aws:ebs/volume:Volume",
    "scratch",
    {"availabilityZone": "eu-west-1a", "size": 500, "type": "gp3", "encrypted": True, "tags": TAGS},
)
INSTANCE = res(
    "aws:ec2/instance:Instance",
    "bastion",
    {
        "instanceType": "m6i.large",
        "rootBlockDevice": {"volumeType": "gp3", "volumeSize": 20, "encrypted": True},
        "ebsBlockDevices": [{"deviceName": "/dev/sdf", "volumeType": "io2", "iops": 4000, "volumeSize": 100}],
        "tags": TAGS,
    },
)
GCP_DISK = res(
    "gcp:compute/disk:Disk",
    "scratch",
    {"zone": "europe-west4-a", "type": "hyperdisk-balanced", "size": 500, "provisionedIops": 3000, "labels": {}},
)
AZURE_DISK = res(
    "azure-native:compute:Disk",
    "scratch",
    {
        "resourceGroupName": "rg-ml-platform-dev",
        "location": "westeurope",
        "sku": {"name": "PremiumV2_LRS"},
        "diskSizeGB": 512,
        "diskIOPSReadWrite": 3000,
        "creationData": {"createOption": "Empty"},
    },
)

CASES: dict[str, tuple[Any, dict[str, Any], set[str]]] = {
    "pass_aws_launch_template_gp3": (aws_launch_template(), DEV, set()),
    "pass_aws_prod_io2_under_prod_cap": (
        changed(
            aws_launch_template(),
            {"blockDeviceMappings[0].ebs.volumeType": "io2", "blockDeviceMappings[0].ebs.iops": 10000},
        ),
        PROD,
        set(),
    ),
    "fail_aws_launch_template_gp2": (
        changed(aws_launch_template(), {"blockDeviceMappings[0].ebs.volumeType": "gp2"}),
        DEV,
        {f"{LT} is gp2; use gp3"},
    ),
    "fail_aws_launch_template_without_volume_type": (
        changed(aws_launch_template(), {"blockDeviceMappings[0].ebs.volumeType": DELETE}),
        DEV,
        {f"{LT} sets no volume type, so the AMI's or API's default (often gp2) applies; use gp3"},
    ),
    "fail_aws_gp3_iops_above_cap": (
        changed(aws_launch_template(), {"blockDeviceMappings[0].ebs.iops": 6000}),
        DEV,
        {f"{LT} provisions 6000 IOPS, above maxProvisionedIops 3000"},
    ),
    "pass_aws_ebs_volume_gp3": (EBS, DEV, set()),
    "fail_aws_ebs_volume_magnetic_and_default_type": (
        changed(EBS, {"type": "standard"}),
        DEV,
        {"Volume scratch is standard; use gp3"},
    ),
    "fail_aws_ebs_volume_default_type": (
        changed(EBS, {"type": DELETE}),
        DEV,
        {"Volume scratch sets no volume type, so the AMI's or API's default (often gp2) applies; use gp3"},
    ),
    "fail_aws_instance_io2_above_cap": (
        INSTANCE,
        DEV,
        {"Instance bastion /dev/sdf provisions 4000 IOPS, above maxProvisionedIops 3000"},
    ),
    "pass_gcp_disk_at_cap": (GCP_DISK, DEV, set()),
    "pass_gcp_template_without_provisioned_iops": (gcp_instance_template(), DEV, set()),
    "fail_gcp_disk_above_cap": (
        changed(GCP_DISK, {"provisionedIops": 50000}),
        DEV,
        {"Disk scratch provisions 50000 IOPS, above maxProvisionedIops 3000"},
    ),
    "fail_gcp_node_pool_boot_disk_above_cap": (
        changed(
            gcp_gpu_node_pool(), {"nodeConfig.bootDisk": {"diskType": "hyperdisk-balanced", "provisionedIops": 8000}}
        ),
        DEV,
        {"NodePool dev-l4 boot disk provisions 8000 IOPS, above maxProvisionedIops 3000"},
    ),
    "pass_azure_disk_at_cap": (AZURE_DISK, DEV, set()),
    "pass_azure_vmss_without_provisioned_iops": (azure_vmss(), DEV, set()),
    "fail_azure_disk_above_cap": (
        changed(AZURE_DISK, {"diskIOPSReadWrite": 20000}),
        DEV,
        {"Disk scratch provisions 20000 IOPS, above maxProvisionedIops 3000"},
    ),
    "fail_azure_vmss_data_disk_above_cap": (
        changed(azure_vmss(), {"virtualMachineProfile.storageProfile.dataDisks[0].diskIOPSReadWrite": 8000}),
        DEV,
        {"VirtualMachineScaleSet batch-cpu-vmss data disk 0 provisions 8000 IOPS, above maxProvisionedIops 3000"},
    ),
}


@pytest.mark.parametrize(("subject", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, config: dict[str, Any], expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, config)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_node_groups_define_no_volumes() -> None:
    assert verdict(RULE, aws_gpu_node_group(), DEV)[0] == "not-applicable"


def test_unknown_volume_type_is_not_a_failure() -> None:
    subject = changed(aws_launch_template(), {"blockDeviceMappings[0].ebs.volumeType": U_STRING})
    assert verdict(RULE, subject, DEV) == ("unknown", set())
