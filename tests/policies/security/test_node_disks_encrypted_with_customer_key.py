"""MLP-020 node-disks-encrypted-with-customer-key on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.security.node_disks_encrypted_with_customer_key import RULE

from tests.policies.security.security_shapes import DES, aks_cluster, azure_batch_vmss, gke_cluster
from tests.policies.shapes import (
    DELETE,
    GCP_KEY,
    KEY_ARN,
    RG,
    U_STRING,
    aws_gpu_node_group,
    aws_launch_template,
    azure_gpu_agent_pool,
    changed,
    env_config,
    gcp_gpu_node_pool,
    gcp_instance_template,
    gcp_system_node_pool,
    res,
    verdict,
)

PROD = env_config("prod", RULE)
LT = "LaunchTemplate dev-gpu-lt /dev/xvda"
VOLUME = res(
    "aws:ebs/volume:Volume",
    "scratch",
    {"availabilityZone": "eu-west-1a", "size": 500, "type": "gp3", "encrypted": True, "kmsKeyId": KEY_ARN},
)
INSTANCE = res(
    "aws:ec2/instance:Instance",
    "bastion",
    {
        "instanceType": "m6i.large",
        "rootBlockDevice": {"volumeType": "gp3", "encrypted": True, "kmsKeyId": KEY_ARN},
        "ebsBlockDevices": [{"deviceName": "/dev/sdf", "volumeType": "gp3", "encrypted": False}],
    },
)
GCE_DISK = res(
    "gcp:compute/disk:Disk",
    "scratch",
    {"zone": "europe-west4-a", "size": 500, "diskEncryptionKey": {"kmsKeySelfLink": GCP_KEY}},
)
AZURE_DISK = res(
    "azure-native:compute:Disk",
    "scratch",
    {
        "resourceGroupName": RG,
        "creationData": {"createOption": "Empty"},
        "encryption": {"diskEncryptionSetId": DES, "type": "EncryptionAtRestWithCustomerKey"},
    },
)
VMSS_DATA_DISK = {
    "lun": 0,
    "createOption": "Empty",
    "diskSizeGB": 256,
    "managedDisk": {"storageAccountType": "Premium_LRS"},
}

CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_aws_launch_template_with_platform_key": (aws_launch_template(), set()),
    "pass_aws_volume_with_platform_key": (VOLUME, set()),
    "fail_aws_launch_template_unencrypted": (
        changed(aws_launch_template(), {"blockDeviceMappings[0].ebs.encrypted": "false"}),
        {f"{LT} is not encrypted"},
    ),
    "fail_aws_launch_template_aws_managed_key": (
        changed(aws_launch_template(), {"blockDeviceMappings[0].ebs.kmsKeyId": DELETE}),
        {f"{LT} is encrypted with the AWS managed key, not a customer key (kmsKeyId)"},
    ),
    "fail_aws_launch_template_without_mappings": (
        changed(aws_launch_template(), {"blockDeviceMappings": DELETE}),
        {"LaunchTemplate dev-gpu-lt maps no EBS volumes, so its disks take the AMI's defaults, not the customer key"},
    ),
    "fail_aws_instance_data_volume": (INSTANCE, {"Instance bastion /dev/sdf is not encrypted"}),
    "fail_aws_volume_alias_aws_ebs": (
        changed(VOLUME, {"kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:alias/aws/ebs"}),
        {"Volume scratch is encrypted with the AWS managed key, not a customer key (kmsKeyId)"},
    ),
    "pass_gcp_node_pool_boot_disk_key": (gcp_gpu_node_pool(), set()),
    "pass_gcp_template_disk_key": (gcp_instance_template(), set()),
    "pass_gcp_disk_key": (GCE_DISK, set()),
    "fail_gcp_node_pool_google_managed": (
        gcp_system_node_pool(),
        {"node pool system: boot disks use Google-managed keys (no bootDiskKmsKey)"},
    ),
    "fail_gcp_cluster_default_pool": (
        changed(gke_cluster(), {"nodeConfig.bootDiskKmsKey": DELETE}),
        {"cluster cluster-gke default node pool: boot disks use Google-managed keys (no bootDiskKmsKey)"},
    ),
    "fail_gcp_template_disk": (
        changed(gcp_instance_template(), {"disks[0].diskEncryptionKey": DELETE}),
        {"InstanceTemplate batch-cpu-template disk 0 uses Google-managed keys (no kmsKeySelfLink)"},
    ),
    "pass_azure_cluster_disk_encryption_set": (aks_cluster(), set()),
    "pass_azure_vmss_os_disk_set": (azure_batch_vmss(), set()),
    "pass_azure_managed_disk": (AZURE_DISK, set()),
    "fail_azure_cluster_platform_keys": (
        changed(aks_cluster(), {"diskEncryptionSetID": DELETE}),
        {"cluster cluster-aks: node OS disks use platform-managed keys (no diskEncryptionSetID)"},
    ),
    "fail_azure_vmss_data_disk_platform_keys": (
        changed(azure_batch_vmss(), {"virtualMachineProfile.storageProfile.dataDisks": [VMSS_DATA_DISK]}),
        {
            "VirtualMachineScaleSet batch-cpu-vmss data disk 0 uses platform-managed keys (no "
            "managedDisk.diskEncryptionSet)"
        },
    ),
    "fail_azure_managed_disk_platform_keys": (
        changed(AZURE_DISK, {"encryption": {"type": "EncryptionAtRestWithPlatformKey"}}),
        {"Disk scratch uses platform-managed keys (no encryption.diskEncryptionSetId)"},
    ),
}


@pytest.mark.parametrize(("subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, PROD)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


@pytest.mark.parametrize(
    "subject",
    [aws_gpu_node_group(), azure_gpu_agent_pool(), changed(gke_cluster(), {"nodeConfig": DELETE})],
    ids=["eks_node_group", "aks_agent_pool", "gke_cluster_without_node_config"],
)
def test_pools_whose_disks_others_define_are_not_applicable(subject: Any) -> None:
    assert verdict(RULE, subject, PROD)[0] == "not-applicable"


def test_unknown_key_is_not_a_failure() -> None:
    subject = changed(aws_launch_template(), {"blockDeviceMappings[0].ebs.kmsKeyId": U_STRING})
    assert verdict(RULE, subject, PROD) == ("unknown", set())
