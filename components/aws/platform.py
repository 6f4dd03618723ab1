"""The AWS platform: every component wired from one Blueprint. Order matters only where AWS
needs it: roles before the key (its policy names them, the Auto Scaling service-linked role
included), the key before everything it encrypts, the cluster and its network add-ons before
the node groups, the cluster before what binds to it."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from blueprint.catalog import load_catalog
from blueprint.model import Blueprint
from components.aws.autoscaling_group import AutoscalingGroup, AutoscalingGroupArgs
from components.aws.budget import Budget, BudgetArgs
from components.aws.cluster import Cluster, ClusterArgs
from components.aws.cluster_autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from components.aws.ebs_csi_driver import EbsCsiDriver, EbsCsiDriverArgs, default_storage_class
from components.aws.encryption_key import EncryptionKey, EncryptionKeyArgs
from components.aws.gpu_node_pool import GpuNodePool, GpuNodePoolArgs
from components.aws.iam import (
    AUTOSCALER_NAMESPACE,
    AUTOSCALER_SERVICE_ACCOUNT,
    NodeRole,
    WorkloadIdentity,
    WorkloadIdentityArgs,
    autoscaler_policy,
    grant_key,
)
from components.aws.launch_template import imds_hop_limit
from components.aws.mountpoint_s3_driver import MountpointS3Driver, MountpointS3DriverArgs
from components.aws.naming import cluster_name
from components.aws.network import Network, NetworkArgs
from components.aws.node_group_size import SYSTEM_POOL, live_desired_sizes
from components.aws.notification_channel import NotificationChannel, NotificationChannelArgs
from components.aws.service_linked_roles import ServiceLinkedRoles, ServiceLinkedRolesArgs
from components.aws.tiered_bucket import TieredBucket, TieredBucketArgs
from components.common.access_logs import ACCESS_LOG_BUCKET, logs_access
from components.common.grants import grant_bucket_access
from components.common.outputs import PlatformOutputs
from components.kubernetes.cluster_layer import ClusterLayer, ClusterLayerArgs
from components.kubernetes.pools import pool_facts
from components.kubernetes.tenancy import IdentityEndpoint

# Pods get Pod Identity credentials from the agent on their node (EKS user guide, "EKS Pod
# Identity agent": 169.254.170.23 port 80); the cluster layer's network policies allow it.
POD_IDENTITY_AGENT = IdentityEndpoint(cidr="169.254.170.23/32", port=80)


class Platform(pulumi.ComponentResource):
    outputs: PlatformOutputs

    def __init__(
        self, name: str, bp: Blueprint, *, project: str, stack: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:aws:Platform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        caller = aws.get_caller_identity()
        account = caller.account_id
        if bp.aws_account_id and account != bp.aws_account_id:
            raise pulumi.RunError(
                f"$.aws.accountId is {bp.aws_account_id} but the credentials are for account {account}: "
                "refusing to deploy this stack into another account"
            )
        cat = load_catalog()

        node_role = NodeRole("nodes", opts=child)
        service_roles = ServiceLinkedRoles("service-linked", ServiceLinkedRolesArgs(account_id=account), opts=child)
        identities = {
            w.name: WorkloadIdentity(
                w.name, WorkloadIdentityArgs(namespace=w.namespace, service_account=w.service_account), opts=child
            )
            for w in bp.workloads
        }
        key = EncryptionKey(
            "platform",
            EncryptionKeyArgs(
                account_id=account,
                region=bp.region,
                rotation_days=bp.encryption.rotation_days,
                deletion_window_days=bp.encryption.deletion_window_days,
                s3_user_role_arns=[identities[w.name].arn for w in bp.workloads if w.buckets],
                autoscaling_role_arn=service_roles.autoscaling_role_arn,
                principal_dependencies=tuple(service_roles.created),
            ),
            opts=child,
        )

        zones = cat.aws_zone_suffixes[: 3 if bp.is_prod else 2]
        network = Network(
            "network",
            NetworkArgs(
                region=bp.region,
                cidr=bp.network.cidr,
                zone_suffixes=zones,
                nat_per_zone=bp.is_prod,
                key_arn=key.arn,
                existing_vpc_id=bp.network.existing_network_id,
                existing_subnet_ids=bp.network.existing_subnet_ids,
            ),
            opts=child,
        )

        hop_limit = imds_hop_limit(bp.aws_pods_reach_node_metadata)
        name_of_cluster = cluster_name(project, stack)
        current_nodes = live_desired_sizes(name_of_cluster, pulumi.InvokeOptions(parent=self))
        cluster = Cluster(
            "cluster",
            ClusterArgs(
                cluster_name=name_of_cluster,
                kubernetes_version=bp.cluster.kubernetes_version,
                subnet_ids=network.private_subnet_ids,
                key_arn=key.arn,
                private_endpoint=bp.cluster.private_endpoint,
                authorized_cidrs=bp.cluster.authorized_cidrs,
                node_role_arn=node_role.arn,
                system_instance_type=bp.cluster.system_pool.instance_type,
                system_min_nodes=bp.cluster.system_pool.min_nodes,
                system_max_nodes=bp.cluster.system_pool.max_nodes,
                deletion_protection=bp.is_prod,
                imds_hop_limit=hop_limit,
                system_current_nodes=current_nodes.get(SYSTEM_POOL),
                admin_role_arns=bp.aws_cluster_admins,
                deployer_arn=deployer_arn(caller.arn) if bp.cluster.in_cluster.enabled else None,
            ),
            opts=child,
        )

        for pool in bp.gpu_pools:
            GpuNodePool(
                pool.name,
                GpuNodePoolArgs(
                    pool=pool,
                    cluster_name=cluster.name,
                    node_role_arn=node_role.arn,
                    subnet_ids=network.private_subnet_ids,
                    key_arn=key.arn,
                    imds_hop_limit=hop_limit,
                    current_nodes=current_nodes.get(pool.name),
                    depends_on=tuple(cluster.compute_ready),
                ),
                opts=child,
            )
        ebs = EbsCsiDriver(
            "ebs-csi",
            EbsCsiDriverArgs(
                cluster_name=cluster.name, key_arn=key.arn, depends_on=(*cluster.ready, cluster.system_nodes)
            ),
            opts=child,
        )
        MountpointS3Driver(
            "s3-csi",
            MountpointS3DriverArgs(cluster_name=cluster.name, depends_on=(*cluster.ready, cluster.system_nodes)),
            opts=child,
        )
        groups = {
            group.name: AutoscalingGroup(
                group.name,
                AutoscalingGroupArgs(
                    group=group,
                    vpc_id=network.vpc_id,
                    vpc_cidr=network.vpc_cidr,
                    subnet_ids=network.private_subnet_ids,
                    key_arn=key.arn,
                    imds_hop_limit=hop_limit,
                ),
                opts=child,
            )
            for group in bp.autoscaling_groups
        }

        log_target = None
        if logs_access(bp):
            log_target = TieredBucket(
                ACCESS_LOG_BUCKET.name,
                TieredBucketArgs(
                    bucket=ACCESS_LOG_BUCKET,
                    region=bp.region,
                    key_arn=key.arn,
                    receives_access_logs=True,
                    account_id=account,
                ),
                opts=child,
            ).name
        buckets = {
            b.name: TieredBucket(
                b.name,
                TieredBucketArgs(
                    bucket=b,
                    region=bp.region,
                    key_arn=key.arn,
                    access_log_bucket=log_target,
                ),
                opts=child,
            )
            for b in bp.buckets
        }

        for w in bp.workloads:
            identity = identities[w.name]
            grant_bucket_access(w, identity, buckets)
            if w.key_access != "none":
                grant_key(identity, key.arn, w.key_access)
            identity.bind(cluster.name, depends_on=cluster.ready)
        for group in bp.autoscaling_groups:
            grant_bucket_access(group, groups[group.name], buckets)

        # EKS does not scale node groups by itself: the Cluster Autoscaler (installed into the
        # cluster with this service account) does, from zero too, with this narrow role.
        autoscaler = WorkloadIdentity(
            "cluster-autoscaler",
            WorkloadIdentityArgs(namespace=AUTOSCALER_NAMESPACE, service_account=AUTOSCALER_SERVICE_ACCOUNT),
            opts=child,
        )
        autoscaler.add_policy("scaling", cluster.name.apply(lambda name: autoscaler_policy(bp.region, account, name)))
        autoscaler_binding = autoscaler.bind(cluster.name, depends_on=cluster.ready)

        if bp.cluster.in_cluster.enabled:
            layer = ClusterLayer(
                "cluster-layer",
                ClusterLayerArgs(
                    cluster_name=cluster.name,
                    kubeconfig=cluster.kubeconfig,
                    pools=tuple(pool_facts("aws", p) for p in bp.gpu_pools),
                    workloads=bp.workloads,
                    distributed_engine=bp.cluster.in_cluster.distributed_engine,
                    storage_class=default_storage_class(key.arn),
                    identity_endpoints=(POD_IDENTITY_AGENT,),
                    depends_on=(cluster.system_nodes, ebs.addon, *cluster.admin_access),
                ),
                opts=child,
            )
            ClusterAutoscaler(
                "cluster-autoscaler",
                ClusterAutoscalerArgs(
                    cluster_name=cluster.name,
                    region=bp.region,
                    kubernetes_version=bp.cluster.kubernetes_version,
                    provider=layer.provider,
                    depends_on=(autoscaler_binding, cluster.system_nodes, *cluster.admin_access),
                ),
                opts=pulumi.ResourceOptions(parent=self, providers=[layer.provider]),
            )

        self.notification_channel = NotificationChannel(
            "alerts",
            NotificationChannelArgs(contacts=bp.monitoring.contacts, key_arn=key.arn, account_id=account),
            opts=child,
        )
        Budget(
            "budget",
            BudgetArgs(
                budget=bp.budget,
                stack=stack,
                topic_arn=self.notification_channel.arn,
                depends_on=tuple(self.notification_channel.ready),
            ),
            opts=child,
        )

        self.outputs = PlatformOutputs(
            cluster_name=cluster.name,
            cluster_endpoint=cluster.endpoint,
            kubeconfig=cluster.kubeconfig,
            bucket_names={n: b.name for n, b in buckets.items()},
            encryption_key=key.arn,
            workload_identities={**{n: i.arn for n, i in identities.items()}, "cluster-autoscaler": autoscaler.arn},
        )
        self.register_outputs({"clusterName": cluster.name, "keyArn": key.arn})


def deployer_arn(caller_arn: str) -> str:
    """The IAM principal behind the credentials running `pulumi up`: an assumed role's session
    ARN names the role (access entries take the role's ARN, not the session's)."""
    return aws.iam.get_session_context(arn=caller_arn).issuer_arn
