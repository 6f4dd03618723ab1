"""A GPU node pool: EKS managed node group on the accelerated AMI, spot or on-demand, scaling
between min and max with the desired size owned by the cluster autoscaler (moved only when a
new bound excludes it, node_group_size.py), tainted so only GPU workloads land, and tagged so
the autoscaler can scale it up from zero."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from blueprint.model import GpuPool
from components.aws.cluster import NODE_REPAIR
from components.aws.launch_template import secure_launch_template_args
from components.aws.node_group_size import scaling
from components.common.node_labels import node_labels

AMI_TYPES = {"al2023": "AL2023_x86_64_NVIDIA", "bottlerocket": "BOTTLEROCKET_x86_64_NVIDIA"}
# Bottlerocket keeps its OS on a small /dev/xvda and containers/images on /dev/xvdb: both
# volumes are declared so both are encrypted with the platform key.
BOTTLEROCKET_OS_GIB = 4


def node_volumes(node_image: str, disk_size_gib: int) -> dict[str, int]:
    if node_image == "bottlerocket":
        return {"/dev/xvda": BOTTLEROCKET_OS_GIB, "/dev/xvdb": disk_size_gib}
    return {"/dev/xvda": disk_size_gib}


EKS_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}
CA_TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
# The Cluster Autoscaler's AWS GPULabel: on a node from its first boot, the autoscaler waits for
# its GPUs to register instead of adding more nodes (cluster_autoscaler.py).
GPU_LABEL = "k8s.amazonaws.com/accelerator"


def eks_node_labels(pool: GpuPool) -> dict[str, str]:
    return {**node_labels(pool, "aws"), GPU_LABEL: pool.accelerator}


@dataclass(frozen=True, kw_only=True)
class GpuNodePoolArgs:
    pool: GpuPool
    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    key_arn: pulumi.Input[str]
    imds_hop_limit: int
    current_nodes: int | None = None  # the node group's desired size in EKS now; None: not created yet
    depends_on: tuple[pulumi.Resource, ...] = ()  # the cluster's compute_ready add-ons


def autoscaler_tags(pool: GpuPool) -> dict[str, str]:
    """Cluster Autoscaler reads these from the ASG to build a node template when the group
    has zero nodes: without them a pending GPU pod never triggers a scale-up from zero."""
    tags = {f"{CA_TEMPLATE}/label/{k}": v for k, v in eks_node_labels(pool).items()}
    tags.update({f"{CA_TEMPLATE}/taint/{t.key}": f"{t.value}:{t.effect}" for t in pool.taints})
    tags[f"{CA_TEMPLATE}/resources/nvidia.com/gpu"] = str(pool.accelerator_count)
    return tags


def _asg_name(resources: Sequence[aws.eks.outputs.NodeGroupResource]) -> str:
    """The managed node group's own ASG: EKS creates it, so its name is only known after."""
    groups = resources[0].autoscaling_groups or []
    return groups[0].name or ""


class GpuNodePool(pulumi.ComponentResource):
    node_group: aws.eks.NodeGroup

    def __init__(self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:GpuNodePool", name, None, opts)
        pool = args.pool
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            secure_launch_template_args(
                key_arn=args.key_arn,
                disk_size_gib=pool.disk_size_gib,
                hop_limit=args.imds_hop_limit,
                volumes=node_volumes(pool.node_image, pool.disk_size_gib),
                description=f"GPU pool {pool.name}",
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        size = scaling(pool.min_nodes, pool.max_nodes, args.current_nodes)
        self.node_group = aws.eks.NodeGroup(
            f"{name}-ng",
            aws.eks.NodeGroupArgs(
                cluster_name=args.cluster_name,
                node_role_arn=args.node_role_arn,
                subnet_ids=args.subnet_ids,
                ami_type=AMI_TYPES[pool.node_image],
                capacity_type="SPOT" if pool.capacity == "spot" else "ON_DEMAND",
                instance_types=[pool.instance_type],
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=pool.min_nodes, max_size=pool.max_nodes, desired_size=size.desired_size
                ),
                update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
                launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                    id=template.id, version=template.latest_version.apply(str)
                ),
                labels=eks_node_labels(pool),
                node_repair_config=NODE_REPAIR,  # a GPU with XID errors is rebooted or replaced
                taints=[
                    aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=EKS_TAINT_EFFECTS[t.effect])
                    for t in pool.taints
                ],
            ),
            # The cluster autoscaler owns the current size; Pulumi owns the bounds.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.depends_on), ignore_changes=size.ignore_changes
            ),
        )
        asg_name = self.node_group.resources.apply(_asg_name)
        for key, value in sorted(autoscaler_tags(pool).items()):
            aws.autoscaling.Tag(
                f"{name}-ca-{hashlib.sha256(key.encode()).hexdigest()[:8]}",  # stable when tags are added
                aws.autoscaling.TagArgs(
                    autoscaling_group_name=asg_name,
                    tag=aws.autoscaling.TagTagArgs(key=key, value=value, propagate_at_launch=False),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"nodeGroupName": self.node_group.node_group_name})
