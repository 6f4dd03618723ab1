"""An autoscaling VM group outside Kubernetes (batch, data preparation): a secure launch
template plus an ASG with mixed instances (on-demand base, spot above it with the
price-capacity-optimized strategy and capacity rebalancing), target tracking on CPU (from at
least one instance: an empty group reports no CPU, so the blueprint requires minSize >= 1 on
AWS) and rolling instance refresh, started by every new launch template version. The instance
role gets bucket grants like a workload (`autoscalingGroups[].buckets`). Instances get
Session Manager access, no SSH, no public IP, and (`egress: web`, the default) outbound only
HTTP(S) and traffic inside the VPC: the Amazon DNS server, instance metadata and time sync are
never filtered by security groups."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from blueprint.model import AutoscalingGroup as GroupSpec
from components.aws import policy_docs as docs
from components.aws.launch_template import secure_launch_template_args

AL2023_AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


@dataclass(frozen=True, kw_only=True)
class AutoscalingGroupArgs:
    group: GroupSpec
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    key_arn: pulumi.Input[str]
    imds_hop_limit: int
    image_id: str = AL2023_AMI


def egress_rules(g: GroupSpec, vpc_cidr: pulumi.Input[str]) -> list[aws.ec2.SecurityGroupEgressArgs]:
    if g.egress == "all":
        return [
            aws.ec2.SecurityGroupEgressArgs(
                protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"], description="egress via NAT"
            )
        ]
    return [
        aws.ec2.SecurityGroupEgressArgs(
            protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_blocks=["0.0.0.0/0"],
            description="HTTPS: AWS APIs, S3, registries, package mirrors",
        ),
        aws.ec2.SecurityGroupEgressArgs(
            protocol="tcp",
            from_port=80,
            to_port=80,
            cidr_blocks=["0.0.0.0/0"],
            description="HTTP: package mirrors (their packages are signed)",
        ),
        aws.ec2.SecurityGroupEgressArgs(
            protocol="-1",
            from_port=0,
            to_port=0,
            cidr_blocks=[vpc_cidr],
            description="anything inside the VPC",
        ),
    ]


class AutoscalingGroup(pulumi.ComponentResource):
    asg: aws.autoscaling.Group
    role: aws.iam.Role

    def __init__(self, name: str, args: AutoscalingGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:AutoscalingGroup", name, None, opts)
        self._name = name
        g = args.group
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role", aws.iam.RoleArgs(assume_role_policy=docs.service_trust("ec2.amazonaws.com")), opts=child
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-ssm",
            aws.iam.RolePolicyAttachmentArgs(
                role=self.role.name, policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
            ),
            opts=child,
        )
        profile = aws.iam.InstanceProfile(
            f"{name}-profile", aws.iam.InstanceProfileArgs(role=self.role.name), opts=child
        )
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=args.vpc_id,
                description=f"{g.name}: no inbound; outbound through NAT",
                egress=egress_rules(g, args.vpc_cidr),
            ),
            opts=child,
        )
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            secure_launch_template_args(
                key_arn=args.key_arn,
                disk_size_gib=g.disk_size_gib,
                hop_limit=args.imds_hop_limit,
                image_id=args.image_id,
                instance_profile_arn=profile.arn,
                security_group_ids=[sg.id],
                description=f"group {g.name}",
            ),
            opts=child,
        )
        self.asg = aws.autoscaling.Group(
            f"{name}-asg",
            aws.autoscaling.GroupArgs(
                min_size=g.min_size,
                max_size=g.max_size,
                vpc_zone_identifiers=args.subnet_ids,
                capacity_rebalance=True,
                health_check_type="EC2",
                default_instance_warmup=120,
                mixed_instances_policy=aws.autoscaling.GroupMixedInstancesPolicyArgs(
                    instances_distribution=aws.autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs(
                        on_demand_base_capacity=g.on_demand_base_capacity,
                        on_demand_percentage_above_base_capacity=100 - g.spot_percentage,
                        spot_allocation_strategy="price-capacity-optimized",
                    ),
                    launch_template=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs(
                        # A concrete version: the provider starts an instance refresh when it
                        # changes, never for "$Latest" (aws.autoscaling.Group docs).
                        launch_template_specification=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs(
                            launch_template_id=template.id, version=template.latest_version.apply(str)
                        ),
                        overrides=[
                            aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs(instance_type=t)
                            for t in g.instance_types
                        ],
                    ),
                ),
                instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(
                    strategy="Rolling",
                    preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(min_healthy_percentage=90),
                ),
            ),
            # Scaling policies own the current size.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCapacity"]),
        )
        aws.autoscaling.Policy(
            f"{name}-cpu",
            aws.autoscaling.PolicyArgs(
                autoscaling_group_name=self.asg.name,
                policy_type="TargetTrackingScaling",
                target_tracking_configuration=aws.autoscaling.PolicyTargetTrackingConfigurationArgs(
                    predefined_metric_specification=aws.autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type="ASGAverageCPUUtilization"
                    ),
                    target_value=float(g.target_cpu_utilization),
                ),
            ),
            opts=child,
        )
        self.register_outputs({"name": self.asg.name})

    def add_policy(self, suffix: str, policy: pulumi.Input[str]) -> aws.iam.RolePolicy:
        """An inline policy on the instance role: bucket grants (`autoscalingGroups[].buckets`)."""
        return aws.iam.RolePolicy(
            f"{self._name}-{suffix}",
            aws.iam.RolePolicyArgs(role=self.role.id, policy=policy),
            opts=pulumi.ResourceOptions(parent=self),
        )
