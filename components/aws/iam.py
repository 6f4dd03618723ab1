"""IAM: the node role (only the managed policies EKS nodes need) and one role per workload,
bound to its Kubernetes service account with EKS Pod Identity. Workload permissions come
only from grants (`TieredBucket.grant_read/grant_write`, `grant_key`), never hand-written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi
import pulumi_aws as aws

from components.aws import policy_docs as docs

# No AmazonEKS_CNI_Policy: the VPC CNI gets it through its add-on's Pod Identity role
# (cluster.py), so nothing that reaches the node's credentials can manage network interfaces.
NODE_MANAGED_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",  # Session Manager instead of SSH keys
)


class NodeRole(pulumi.ComponentResource):
    role: aws.iam.Role
    arn: pulumi.Output[str]

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:NodeRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role", aws.iam.RoleArgs(assume_role_policy=docs.service_trust("ec2.amazonaws.com")), opts=child
        )
        for policy in NODE_MANAGED_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy}",
                aws.iam.RolePolicyAttachmentArgs(role=self.role.name, policy_arn=f"arn:aws:iam::aws:policy/{policy}"),
                opts=child,
            )
        self.arn = self.role.arn
        self.register_outputs({"arn": self.arn})


@dataclass(frozen=True, kw_only=True)
class WorkloadIdentityArgs:
    namespace: str
    service_account: str


class WorkloadIdentity(pulumi.ComponentResource):
    """An IAM role a pod assumes through EKS Pod Identity. Bind it to the cluster with
    `bind(cluster_name)` once the cluster exists; add permissions with grants."""

    role: aws.iam.Role
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:WorkloadIdentity", name, None, opts)
        self._name = name
        self._args = args
        self.role = aws.iam.Role(
            f"{name}-role",
            aws.iam.RoleArgs(
                assume_role_policy=docs.pod_identity_trust(),
                description=f"Pod Identity for {args.namespace}/{args.service_account}",
                max_session_duration=3600,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.role.arn
        self.register_outputs({"arn": self.arn})

    def bind(
        self, cluster_name: pulumi.Input[str], depends_on: list[pulumi.Resource]
    ) -> aws.eks.PodIdentityAssociation:
        return aws.eks.PodIdentityAssociation(
            f"{self._name}-binding",
            aws.eks.PodIdentityAssociationArgs(
                cluster_name=cluster_name,
                namespace=self._args.namespace,
                service_account=self._args.service_account,
                role_arn=self.role.arn,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )

    def add_policy(self, suffix: str, policy: pulumi.Input[str]) -> aws.iam.RolePolicy:
        return aws.iam.RolePolicy(
            f"{self._name}-{suffix}",
            aws.iam.RolePolicyArgs(role=self.role.id, policy=policy),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def attach_managed(self, policy_name: str) -> aws.iam.RolePolicyAttachment:
        """An AWS managed policy, for add-ons whose permissions AWS maintains (the VPC CNI's
        `AmazonEKS_CNI_Policy`, the EBS CSI driver's `service-role/AmazonEBSCSIDriverPolicy`)."""
        return aws.iam.RolePolicyAttachment(
            f"{self._name}-{policy_name.rsplit('/', 1)[-1]}",
            aws.iam.RolePolicyAttachmentArgs(role=self.role.name, policy_arn=f"arn:aws:iam::aws:policy/{policy_name}"),
            opts=pulumi.ResourceOptions(parent=self),
        )


class PolicyHolder(Protocol):
    """Anything an inline policy can be added to: a workload's Pod Identity role, a VM
    group's instance role. Bucket and key grants take one."""

    def add_policy(self, suffix: str, policy: pulumi.Input[str]) -> aws.iam.RolePolicy: ...


def grant_key(identity: PolicyHolder, key_arn: pulumi.Input[str], access: str) -> None:
    """Direct key use for application-level encryption (`keyAccess` in the blueprint)."""
    actions = docs.KMS_DECRYPT + (docs.KMS_ENCRYPT if access == "encrypt-decrypt" else [])
    identity.add_policy(
        "key", pulumi.Output.from_input(key_arn).apply(lambda arn: docs.document(docs.allow("UseKey", actions, [arn])))
    )


AUTOSCALER_NAMESPACE, AUTOSCALER_SERVICE_ACCOUNT = "kube-system", "cluster-autoscaler"


def autoscaler_policy(region: str, account: str, cluster: str) -> str:
    """What the Kubernetes Cluster Autoscaler needs to scale the node groups (from zero too):
    read the groups, launch templates and instance types; resize only this cluster's EKS
    node-group ASGs (named eks-*, tagged owned by the cluster)."""
    groups = f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/eks-*"
    return docs.document(
        docs.allow(
            "Read",
            [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ],
            ["*"],
        ),
        docs.allow(
            "ResizeOwnNodeGroups",
            ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            [groups],
            {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}": "owned"}},
        ),
    )
