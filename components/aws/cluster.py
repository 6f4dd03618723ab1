"""EKS control plane: secrets envelope-encrypted with the platform key, private endpoint
(public only when limited to authorizedCidrs), every control-plane log type into an
encrypted log group with retention, access entries (API auth mode), a pinned version on
standard support, a small on-demand system node group, and, before any node joins, the Pod
Identity agent and the VPC CNI add-on with its own Pod Identity role (so the node role
carries no network permissions)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws import policy_docs as docs
from components.aws.iam import WorkloadIdentity, WorkloadIdentityArgs
from components.aws.launch_template import secure_launch_template_args
from components.aws.node_group_size import POOL_LABEL, SYSTEM_POOL, scaling

CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
VPC_CNI_SERVICE_ACCOUNT = "aws-node"  # kube-system, the add-on's DaemonSet
NODE_MONITORING_ADDON = "eks-node-monitoring-agent"
# Off by default in managed node groups; on in every one of ours (system and GPU pools).
NODE_REPAIR = aws.eks.NodeGroupNodeRepairConfigArgs(enabled=True)


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    cluster_name: str
    kubernetes_version: str
    subnet_ids: pulumi.Input[list[str]]
    key_arn: pulumi.Input[str]
    private_endpoint: bool
    authorized_cidrs: tuple[str, ...]
    node_role_arn: pulumi.Input[str]
    system_instance_type: str
    system_min_nodes: int
    system_max_nodes: int
    deletion_protection: bool
    imds_hop_limit: int
    system_current_nodes: int | None = None  # the system node group's size in EKS now (node_group_size.py)
    admin_role_arns: tuple[str, ...] = ()
    # The IAM principal running `pulumi up` (its role, not the session), given cluster admin
    # through an access entry when the cluster layer is installed: the Kubernetes provider
    # authenticates as it. None: only admin_role_arns (and then the layer cannot be installed).
    deployer_arn: str | None = None
    log_retention_days: int = 365


class Cluster(pulumi.ComponentResource):
    cluster: aws.eks.Cluster
    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    ready: list[pulumi.Resource]  # what Pod Identity associations wait for
    compute_ready: list[pulumi.Resource]  # what every node group waits for
    system_nodes: aws.eks.NodeGroup
    vpc_cni: aws.eks.Addon
    node_monitoring: aws.eks.Addon
    admin_access: list[pulumi.Resource]  # the admins' access policy associations

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:Cluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            aws.iam.RoleArgs(
                assume_role_policy=docs.service_trust("eks.amazonaws.com", actions=("sts:AssumeRole", "sts:TagSession"))
            ),
            opts=child,
        )
        attach = aws.iam.RolePolicyAttachment(
            f"{name}-role-policy",
            aws.iam.RolePolicyAttachmentArgs(
                role=role.name, policy_arn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
            ),
            opts=child,
        )
        # EKS envelope-encrypts secrets with the cluster role's own permissions on the key (the
        # key policy delegates to IAM), so the role needs them before the cluster is created.
        key_use = aws.iam.RolePolicy(
            f"{name}-secrets-key",
            aws.iam.RolePolicyArgs(
                role=role.id,
                policy=pulumi.Output.from_input(args.key_arn).apply(
                    lambda arn: docs.document(
                        docs.allow(
                            "SecretsEncryption",
                            ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:ListGrants", "kms:CreateGrant"],
                            [arn],
                        )
                    )
                ),
            ),
            opts=child,
        )
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            aws.cloudwatch.LogGroupArgs(
                name=f"/aws/eks/{args.cluster_name}/cluster",
                retention_in_days=args.log_retention_days,
                kms_key_id=args.key_arn,
            ),
            opts=child,
        )
        public = not args.private_endpoint
        self.cluster = aws.eks.Cluster(
            f"{name}-eks",
            aws.eks.ClusterArgs(
                name=args.cluster_name,
                version=args.kubernetes_version,
                role_arn=role.arn,
                vpc_config=aws.eks.ClusterVpcConfigArgs(
                    subnet_ids=args.subnet_ids,
                    endpoint_private_access=True,
                    endpoint_public_access=public,
                    public_access_cidrs=list(args.authorized_cidrs) if public else None,
                ),
                encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                    provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=args.key_arn),
                    resources=["secrets"],
                ),
                enabled_cluster_log_types=CONTROL_PLANE_LOGS,
                # Admins are the listed roles' access entries, never an unmanaged entry for
                # whoever ran `pulumi up` (also: this flag replaces the cluster when changed).
                access_config=aws.eks.ClusterAccessConfigArgs(
                    authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False
                ),
                # Extended support costs 6x the control-plane price; upgrade instead.
                upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
                deletion_protection=args.deletion_protection,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attach, key_use, logs]),
        )
        # Before any node: a node's pods get their credentials from the agent, and the VPC
        # CNI (aws-node, host network) needs its role before the node can become Ready. Both
        # are DaemonSets, which EKS installs on a cluster without nodes.
        agent = aws.eks.Addon(
            f"{name}-pod-identity-agent",
            aws.eks.AddonArgs(cluster_name=self.cluster.name, addon_name="eks-pod-identity-agent"),
            opts=child,
        )
        cni_identity = WorkloadIdentity(
            f"{name}-vpc-cni",
            WorkloadIdentityArgs(namespace="kube-system", service_account=VPC_CNI_SERVICE_ACCOUNT),
            opts=child,
        )
        cni_policy = cni_identity.attach_managed("AmazonEKS_CNI_Policy")
        self.vpc_cni = aws.eks.Addon(
            f"{name}-vpc-cni",
            aws.eks.AddonArgs(
                cluster_name=self.cluster.name,
                addon_name="vpc-cni",
                # EKS installed a self-managed aws-node with the cluster: the add-on adopts it.
                resolve_conflicts_on_create="OVERWRITE",
                # The CNI's network policy agent enforces the cluster layer's NetworkPolicies
                # (default deny per workload namespace); off by default in the add-on
                # (https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html).
                configuration_values=json.dumps({"enableNetworkPolicy": "true"}),
                pod_identity_associations=[
                    aws.eks.AddonPodIdentityAssociationArgs(
                        role_arn=cni_identity.arn, service_account=VPC_CNI_SERVICE_ACCOUNT
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[agent, cni_policy]),
        )
        system_lt = aws.ec2.LaunchTemplate(
            f"{name}-system",
            secure_launch_template_args(
                key_arn=args.key_arn, disk_size_gib=50, hop_limit=args.imds_hop_limit, description="EKS system nodes"
            ),
            opts=child,
        )
        size = scaling(args.system_min_nodes, args.system_max_nodes, args.system_current_nodes)
        self.system_nodes = aws.eks.NodeGroup(
            f"{name}-system",
            aws.eks.NodeGroupArgs(
                cluster_name=self.cluster.name,
                node_role_arn=args.node_role_arn,
                subnet_ids=args.subnet_ids,
                ami_type="AL2023_x86_64_STANDARD",
                capacity_type="ON_DEMAND",
                instance_types=[args.system_instance_type],
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=args.system_min_nodes, max_size=args.system_max_nodes, desired_size=size.desired_size
                ),
                update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
                launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                    id=system_lt.id, version=system_lt.latest_version.apply(str)
                ),
                labels={POOL_LABEL: SYSTEM_POOL},
                node_repair_config=NODE_REPAIR,
            ),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[agent, self.vpc_cni], ignore_changes=size.ignore_changes
            ),
        )
        # Node health: the agent reports GPU (NVIDIA XID), kernel, network, storage and runtime
        # failures as node conditions, which node auto repair (on in every managed node group)
        # acts on: a GPU node whose accelerator fails is rebooted or replaced after 10 minutes
        # (https://docs.aws.amazon.com/eks/latest/userguide/node-repair.html).
        self.node_monitoring = aws.eks.Addon(
            f"{name}-node-monitoring-agent",
            aws.eks.AddonArgs(cluster_name=self.cluster.name, addon_name=NODE_MONITORING_ADDON),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.system_nodes]),
        )
        admins = dict.fromkeys((*args.admin_role_arns, *([args.deployer_arn] if args.deployer_arn else [])))
        self.admin_access = [self._admin(name, arn) for arn in admins]
        self.ready = [agent]
        self.compute_ready = [agent, self.vpc_cni]
        self.name = self.cluster.name
        self.endpoint = self.cluster.endpoint
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(self.cluster.name, self.cluster.endpoint, self.cluster.certificate_authority.data).apply(
                lambda v: kubeconfig(v[0], v[1], v[2])
            )
        )
        self.register_outputs({"name": self.name, "endpoint": self.endpoint, "kubeconfig": self.kubeconfig})

    def _admin(self, name: str, role_arn: str) -> aws.eks.AccessPolicyAssociation:
        # Role names are unique per account whatever their path: account + name is a stable key.
        account, role = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
        entry = aws.eks.AccessEntry(
            f"{name}-admin-{account}-{role}",
            aws.eks.AccessEntryArgs(cluster_name=self.cluster.name, principal_arn=role_arn, type="STANDARD"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.eks.AccessPolicyAssociation(
            f"{name}-admin-{account}-{role}",
            aws.eks.AccessPolicyAssociationArgs(
                cluster_name=self.cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=CLUSTER_ADMIN_POLICY,
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def kubeconfig(name: str, endpoint: str, ca_data: str) -> str:
    """Token via `aws eks get-token`: no long-lived credentials in the file."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
            "users": [
                {
                    "name": name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": ["eks", "get-token", "--cluster-name", name, "--output", "json"],
                        }
                    },
                }
            ],
        },
        indent=2,
    )
