"""The one secure launch template shape for every EC2 instance we start: IMDSv2 only, hop
limit 1 (the host and host-network pods reach IMDS; ordinary pods, one hop further, cannot
take the node role's credentials) unless the blueprint opts out with
`aws.podsReachNodeMetadata` (hop limit 2), encrypted gp3 root volume with the platform key,
detailed monitoring."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

IMDS_HOP_LIMIT_HOST = 1  # EKS best practices: block IMDS from pods that do not use the host network
IMDS_HOP_LIMIT_PODS = 2  # the opt-out: containers one hop away reach IMDS too


def imds_hop_limit(pods_reach_node_metadata: bool) -> int:
    return IMDS_HOP_LIMIT_PODS if pods_reach_node_metadata else IMDS_HOP_LIMIT_HOST


def secure_launch_template_args(
    *,
    key_arn: pulumi.Input[str],
    disk_size_gib: int,
    hop_limit: int,
    volumes: dict[str, int] | None = None,
    image_id: pulumi.Input[str] | None = None,
    instance_profile_arn: pulumi.Input[str] | None = None,
    security_group_ids: list[pulumi.Input[str]] | None = None,
    description: str,
) -> aws.ec2.LaunchTemplateArgs:
    """`volumes`: device name -> GiB, every one gp3 and encrypted with the key. Default: one
    root volume `/dev/xvda` of `disk_size_gib`."""
    interfaces = None
    if security_group_ids is not None:
        # Explicit interface so no public address is ever attached, whatever the subnet says.
        interfaces = [
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                associate_public_ip_address="false",
                delete_on_termination="true",
                security_groups=security_group_ids,
            )
        ]
    return aws.ec2.LaunchTemplateArgs(
        description=description,
        image_id=image_id,
        update_default_version=True,
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled",
            http_tokens="required",
            http_put_response_hop_limit=hop_limit,
            instance_metadata_tags="disabled",
        ),
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name=device,
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=size,
                    volume_type="gp3",
                    encrypted="true",
                    kms_key_id=key_arn,
                    delete_on_termination="true",
                ),
            )
            for device, size in (volumes or {"/dev/xvda": disk_size_gib}).items()
        ],
        monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=True),
        iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=instance_profile_arn)
        if instance_profile_arn is not None
        else None,
        network_interfaces=interfaces,
    )
