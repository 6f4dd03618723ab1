"""The GCP platform: every component wired from one Blueprint. Order matters where GCP
needs it: the APIs first (`apis.py`: every resource waits for the Service of its API, the
key grants for the APIs that create the service agents they name), the key and its
service-agent grants before everything it encrypts (GKE secrets, boot disks, buckets), the
cluster (and so the project's Workload Identity pool) before the workload bindings.

Only the Service Usage API must be on before the first `pulumi up` (it enables the others;
new projects have it on); docs/gcp.md lists the other prerequisites a program cannot create."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_gcp as gcp

from blueprint.catalog import gke_release_channel
from blueprint.model import AutoscalingGroup as AutoscalingGroupModel
from blueprint.model import Blueprint
from components.common.access_logs import ACCESS_LOG_BUCKET, logs_access
from components.common.grants import grant_bucket_access
from components.common.outputs import PlatformOutputs
from components.gcp.apis import AGENT_APIS, CRM, STORAGE, ProjectApis, ProjectApisArgs
from components.gcp.autoscaling_group import AutoscalingGroup, AutoscalingGroupArgs
from components.gcp.budget import Budget, BudgetArgs
from components.gcp.cluster import Cluster, ClusterArgs
from components.gcp.encryption_key import EncryptionKey, EncryptionKeyArgs
from components.gcp.gpu_node_pool import GpuNodePool, GpuNodePoolArgs
from components.gcp.iam import (
    NodeServiceAccount,
    NodeServiceAccountArgs,
    WorkloadIdentity,
    WorkloadIdentityArgs,
    grant_key,
)
from components.gcp.naming import cluster_name, service_account_id
from components.gcp.network import Network, NetworkArgs
from components.gcp.notification_channel import FormerHome, NotificationChannel, NotificationChannelArgs
from components.gcp.tiered_bucket import TieredBucket, TieredBucketArgs
from components.kubernetes.cluster_layer import ClusterLayer, ClusterLayerArgs, StorageClassSpec
from components.kubernetes.pools import pool_facts
from components.kubernetes.tenancy import IdentityEndpoint

AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
DATA_ACCESS_LOGS = ("DATA_READ", "DATA_WRITE")
# Pods get their Workload Identity tokens from the GKE metadata server: 169.254.169.254:80,
# and on Dataplane V2 clusters also 169.254.169.252:988; network policies must allow both
# (https://cloud.google.com/kubernetes-engine/docs/how-to/network-policy#limitations_and_requirements).
METADATA_SERVER = (
    IdentityEndpoint(cidr="169.254.169.254/32", port=80),
    IdentityEndpoint(cidr="169.254.169.252/32", port=988),
)
WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"
STORAGE_CLASS_NAME = "pd-balanced-cmek"


def service_agents(project: str, number: pulumi.Input[str], apis: ProjectApis) -> dict[str, pulumi.Output[str]]:
    """The Google-managed accounts that use the platform key on our behalf. The Cloud Storage
    agent is created by the look-up itself (which waits for the Storage API); the GKE and
    Compute Engine agents appear when their APIs are enabled (the grants wait for those)."""
    storage = gcp.storage.get_project_service_account_output(
        project=project, opts=pulumi.InvokeOutputOptions(depends_on=apis.of(STORAGE))
    ).email_address
    num = pulumi.Output.from_input(number)
    return {
        "storage": pulumi.Output.concat("serviceAccount:", storage),  # bucket default keys
        "gke": pulumi.Output.concat("serviceAccount:service-", num, "@container-engine-robot.iam.gserviceaccount.com"),
        "compute": pulumi.Output.concat("serviceAccount:service-", num, "@compute-system.iam.gserviceaccount.com"),
    }


def agent_waits(apis: ProjectApis) -> Mapping[str, list[pulumi.Resource]]:
    return {agent: apis.of(api) for agent, api in AGENT_APIS.items()}


class Platform(pulumi.ComponentResource):
    outputs: PlatformOutputs
    notification_channel: NotificationChannel  # the stack's alerts: budgets now, alert policies later

    def __init__(
        self, name: str, bp: Blueprint, *, project: str, stack: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        gcp_project = bp.gcp_project or gcp.config.project
        if not gcp_project or not bp.gcp_billing_account:
            raise ValueError("gcp.project and gcp.billingAccount are required for cloud gcp")
        super().__init__("mlplat:gcp:Platform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        apis = ProjectApis("apis", ProjectApisArgs(project=gcp_project), opts=child)
        number = gcp.organizations.get_project_output(
            project_id=gcp_project, opts=pulumi.InvokeOutputOptions(depends_on=apis.of(CRM))
        ).number

        nodes = NodeServiceAccount(
            "nodes",
            NodeServiceAccountArgs(
                project=gcp_project,
                account_id=service_account_id(stack, "nodes"),
                depends_on=apis.needed_by("gcp:serviceaccount/account:Account", "gcp:projects/iAMMember:IAMMember"),
            ),
            opts=child,
        )
        identities = {
            w.name: WorkloadIdentity(
                w.name,
                WorkloadIdentityArgs(
                    account_id=service_account_id(stack, "wl", w.name),
                    namespace=w.namespace,
                    service_account=w.service_account,
                    depends_on=apis.needed_by(
                        "gcp:serviceaccount/account:Account", "gcp:serviceaccount/iAMMember:IAMMember"
                    ),
                ),
                opts=child,
            )
            for w in bp.workloads
        }
        key = EncryptionKey(
            "platform",
            EncryptionKeyArgs(
                region=bp.region,
                rotation_days=bp.encryption.rotation_days,
                deletion_window_days=bp.encryption.deletion_window_days,
                service_agents=service_agents(gcp_project, number, apis),
                protection_level="HSM" if bp.data_classification == "restricted" else "SOFTWARE",
                depends_on=apis.needed_by(
                    "gcp:kms/keyRing:KeyRing",
                    "gcp:kms/cryptoKey:CryptoKey",
                    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
                ),
                agent_depends_on=agent_waits(apis),
            ),
            opts=child,
        )

        existing_subnets = bp.network.existing_subnet_ids
        network = Network(
            "network",
            NetworkArgs(
                region=bp.region,
                cidr=bp.network.cidr,
                existing_network_id=bp.network.existing_network_id,
                existing_subnetwork_id=existing_subnets[0] if existing_subnets else None,
                depends_on=apis.needed_by(
                    "gcp:compute/network:Network",
                    "gcp:compute/subnetwork:Subnetwork",
                    "gcp:compute/router:Router",
                    "gcp:compute/routerNat:RouterNat",
                ),
            ),
            opts=child,
        )

        cluster = Cluster(
            "cluster",
            ClusterArgs(
                cluster_name=cluster_name(project, stack),
                project=gcp_project,
                region=bp.region,
                kubernetes_version=bp.cluster.kubernetes_version,
                network_id=network.network_id,
                subnetwork_id=network.subnetwork_id,
                pods_range_name=network.pods_range_name,
                services_range_name=network.services_range_name,
                internal_cidrs=(network.nodes_cidr,) if network.nodes_cidr else (),
                key_id=key.key_id,
                private_endpoint=bp.cluster.private_endpoint,
                authorized_cidrs=bp.cluster.authorized_cidrs,
                node_service_account=nodes.email,
                system_machine_type=bp.cluster.system_pool.instance_type,
                system_min_nodes=bp.cluster.system_pool.min_nodes,
                system_max_nodes=bp.cluster.system_pool.max_nodes,
                release_channel=gke_release_channel(bp.environment),
                deletion_protection=bp.is_prod,
                maintenance=bp.cluster.maintenance,
                depends_on=[
                    *key.agent_grants,
                    *apis.needed_by("gcp:container/cluster:Cluster", "gcp:container/nodePool:NodePool"),
                ],
            ),
            opts=child,
        )

        for pool in bp.gpu_pools:
            GpuNodePool(
                pool.name,
                GpuNodePoolArgs(
                    pool=pool,
                    cluster_id=cluster.cluster_id,
                    region=bp.region,
                    node_service_account=nodes.email,
                    key_id=key.key_id,
                    depends_on=apis.needed_by("gcp:container/nodePool:NodePool"),
                ),
                opts=child,
            )
        groups: list[tuple[AutoscalingGroupModel, AutoscalingGroup]] = []
        for group in bp.autoscaling_groups:
            vms = AutoscalingGroup(
                group.name,
                AutoscalingGroupArgs(
                    group=group,
                    project=gcp_project,
                    region=bp.region,
                    subnetwork_id=network.subnetwork_id,
                    network_id=network.network_id,
                    internal_ranges=network.internal_ranges,
                    key_id=key.key_id,
                    account_id=service_account_id(stack, "vm", group.name),
                    stack=stack,
                    depends_on=[
                        *key.agent_grants,
                        *apis.needed_by(
                            "gcp:serviceaccount/account:Account",
                            "gcp:projects/iAMMember:IAMMember",
                            "gcp:compute/instanceTemplate:InstanceTemplate",
                            "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
                            "gcp:compute/regionAutoscaler:RegionAutoscaler",
                            "gcp:compute/firewall:Firewall",
                        ),
                    ],
                ),
                opts=child,
            )
            groups.append((group, vms))

        bucket_waits = [
            *key.agent_grants,
            *apis.needed_by("gcp:storage/bucket:Bucket", "gcp:storage/bucketIAMMember:BucketIAMMember"),
        ]
        if logs_access(bp):
            # Data Access audit logs: every read and write of classified data, by whom, in Cloud
            # Logging. Needs no grant to a google.com group (domain-restricted sharing allows it).
            gcp.projects.IAMAuditConfig(
                "storage-data-access",
                gcp.projects.IAMAuditConfigArgs(
                    project=gcp_project,
                    service=STORAGE,
                    audit_log_configs=[
                        gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type=kind) for kind in DATA_ACCESS_LOGS
                    ],
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=apis.needed_by(AUDIT_CONFIG)),
            )
        log_target = None
        if logs_access(bp) and bp.gcp_usage_logs:
            log_target = TieredBucket(
                ACCESS_LOG_BUCKET.name,
                TieredBucketArgs(
                    bucket=ACCESS_LOG_BUCKET,
                    region=bp.region,
                    key_id=key.key_id,
                    receives_access_logs=True,
                    depends_on=bucket_waits,
                ),
                opts=child,
            ).name
        buckets = {
            b.name: TieredBucket(
                b.name,
                TieredBucketArgs(
                    bucket=b,
                    region=bp.region,
                    key_id=key.key_id,
                    access_log_bucket=log_target,
                    depends_on=bucket_waits,
                ),
                opts=child,
            )
            for b in bp.buckets
        }

        for w in bp.workloads:
            identity = identities[w.name]
            grant_bucket_access(w, identity, buckets)
            if w.key_access != "none":
                grant_key(identity, key, w.key_access)
            identity.bind(gcp_project, depends_on=[cluster.cluster])
        for group, vms in groups:
            grant_bucket_access(group, vms, buckets)

        if bp.cluster.in_cluster.enabled:
            ClusterLayer(
                "cluster-layer",
                ClusterLayerArgs(
                    cluster_name=cluster.name,
                    kubeconfig=cluster.kubeconfig,
                    pools=tuple(pool_facts("gcp", p) for p in bp.gpu_pools),
                    workloads=bp.workloads,
                    distributed_engine=bp.cluster.in_cluster.distributed_engine,
                    # The PD CSI driver (on in cluster.py) with the platform key: the Compute
                    # Engine service agent already holds the key for the nodes' boot disks.
                    storage_class=StorageClassSpec(
                        name=STORAGE_CLASS_NAME,
                        provisioner="pd.csi.storage.gke.io",
                        parameters={"type": "pd-balanced", "disk-encryption-kms-key": key.key_id},
                    ),
                    service_account_annotations={
                        n: {WORKLOAD_IDENTITY_ANNOTATION: i.email} for n, i in identities.items()
                    },
                    identity_endpoints=METADATA_SERVER,
                    depends_on=tuple(cluster.ready),
                ),
                opts=child,
            )

        self.notification_channel = NotificationChannel(
            "alerts",
            NotificationChannelArgs(
                contacts=bp.monitoring.contacts,
                stack=stack,
                depends_on=apis.needed_by("gcp:monitoring/notificationChannel:NotificationChannel"),
                # The budget created these channels until this component existed: aliases move
                # them on existing stacks instead of replacing them.
                former_home=FormerHome(
                    parent_urn=pulumi.create_urn("budget", "mlplat:gcp:Budget", parent=self), prefix="budget"
                ),
            ),
            opts=child,
        )
        Budget(
            "budget",
            BudgetArgs(
                budget=bp.budget,
                billing_account=bp.gcp_billing_account,
                project=gcp_project,
                project_number=number,
                stack=stack,
                notification_channels=self.notification_channel.names,
                budget_depends_on=apis.needed_by("gcp:billing/budget:Budget"),
            ),
            opts=child,
        )

        self.outputs = PlatformOutputs(
            cluster_name=cluster.name,
            cluster_endpoint=cluster.endpoint,
            kubeconfig=cluster.kubeconfig,
            bucket_names={n: b.name for n, b in buckets.items()},
            encryption_key=key.key_id,
            workload_identities={n: i.email for n, i in identities.items()},
        )
        self.register_outputs({"clusterName": cluster.name, "keyId": key.key_id})
