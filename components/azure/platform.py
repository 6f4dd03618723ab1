"""The Azure platform: every component wired from one Blueprint, in a resource group of its
own (`<stack>-rg`) or an existing one. Order matters only where Azure needs it: the key and
its encryption identities before what they encrypt, role assignments (and a wait for them
to propagate, `waits.py`) before the services that rely on them, the cluster before the
federated credentials that trust its issuer."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, resources

from blueprint.model import AutoscalingGroup as AutoscalingGroupModel
from blueprint.model import Blueprint
from blueprint.project import stack_source
from components.azure import naming, roles
from components.azure.autoscaling_group import AutoscalingGroup, AutoscalingGroupArgs
from components.azure.budget import Budget, BudgetArgs, check_alert_count, first_of_this_month
from components.azure.cluster import Cluster, ClusterArgs, check_address_ranges
from components.azure.encryption_key import EncryptionKey, EncryptionKeyArgs
from components.azure.gpu_node_pool import GpuNodePool, GpuNodePoolArgs, spot_taints
from components.azure.iam import WorkloadIdentity, WorkloadIdentityArgs, grant_key
from components.azure.maintenance import check_maintenance
from components.azure.network import Network, NetworkArgs
from components.azure.notification_channel import NotificationChannel, NotificationChannelArgs
from components.azure.placement import Placement
from components.azure.tiered_bucket import TieredBucket, TieredBucketArgs, check_tier_redundancy
from components.common.access_logs import logs_access
from components.common.grants import grant_bucket_access
from components.common.outputs import PlatformOutputs
from components.kubernetes.cluster_layer import ClusterLayer, ClusterLayerArgs, StorageClassSpec
from components.kubernetes.pools import pool_facts

PROD_ZONES = ("1", "2", "3")  # every region in the catalog has three availability zones
LOG_RETENTION_DAYS = {True: 90, False: 30}  # prod, other
SOFT_DELETE_DAYS = {True: 30, False: 7}
WORKLOAD_IDENTITY_ANNOTATION = "azure.workload.identity/client-id"
STORAGE_CLASS_NAME = "managed-csi-cmk"


def agent_pool_names(bp: Blueprint) -> dict[str, str]:
    """Blueprint pool name -> AKS agent pool name, refusing two pools that map to one name or
    a pool that takes the system pool's."""
    names: dict[str, str] = {}
    taken = {"system": "the system pool"}
    for i, pool in enumerate(bp.gpu_pools):
        aks_name = naming.agent_pool_name(pool.name)
        if aks_name in taken:
            raise ValueError(
                f"gpuPools[{i}].name '{pool.name}' becomes AKS pool name '{aks_name}', already used by "
                f"{taken[aks_name]}; rename one of them"
            )
        taken[aks_name] = f"gpuPools '{pool.name}'"
        names[pool.name] = aks_name
    return names


class Platform(pulumi.ComponentResource):
    outputs: PlatformOutputs
    notification_channel: NotificationChannel  # the stack's alerts: the budget now, alert rules later

    def __init__(
        self, name: str, bp: Blueprint, *, project: str, stack: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        try:  # blueprint combinations only Azure rejects: one clear line each, no traceback
            pool_names = agent_pool_names(bp)
            if not bp.network.existing_network_id:
                check_address_ranges(bp.network.cidr)
            check_alert_count(bp.budget)
            check_maintenance(bp.cluster.maintenance)
            for i, b in enumerate(bp.buckets):
                check_tier_redundancy(i, b, zone_redundant=bp.is_prod)
        except ValueError as exc:
            raise pulumi.RunError(f"{stack_source(stack)}: {exc}") from None
        super().__init__("mlplat:azure:Platform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        client = authorization.get_client_config()
        subscription = bp.azure_subscription_id or client.subscription_id
        if client.subscription_id != subscription:
            raise pulumi.RunError(
                f"azure.subscriptionId is {subscription} but the provider is signed in to {client.subscription_id}; "
                "set azure-native:subscriptionId (or az account set) to the blueprint's subscription"
            )

        group_name = bp.azure_resource_group or naming.resource_group_name(stack)
        group: pulumi.Input[str] = group_name
        if bp.azure_resource_group is None:
            group = resources.ResourceGroup(
                f"{name}-rg",
                resources.ResourceGroupArgs(resource_group_name=group_name, location=bp.region),
                opts=child,
            ).name
        where = Placement(subscription_id=subscription, resource_group_name=group, location=bp.region)

        network = Network(
            "network",
            NetworkArgs(
                placement=where,
                cidr=bp.network.cidr,
                existing_network_id=bp.network.existing_network_id,
                existing_subnet_ids=bp.network.existing_subnet_ids,
            ),
            opts=child,
        )
        key = EncryptionKey(
            "platform",
            EncryptionKeyArgs(
                placement=where,
                tenant_id=client.tenant_id,
                rotation_days=bp.encryption.rotation_days,
                restrict_network=bp.is_prod,
                allowed_subnet_ids=(network.node_subnet_id,),
                lock=bp.is_prod,
            ),
            opts=child,
        )
        identities = {
            w.name: WorkloadIdentity(
                w.name,
                WorkloadIdentityArgs(placement=where, namespace=w.namespace, service_account=w.service_account),
                opts=child,
            )
            for w in bp.workloads
        }

        node_group = naming.node_resource_group_name(group_name)
        cluster = Cluster(
            "cluster",
            ClusterArgs(
                placement=where,
                cluster_name=naming.cluster_name(project, stack),
                dns_prefix=naming.dns_prefix(project, stack),
                kubernetes_version=bp.cluster.kubernetes_version,
                tenant_id=client.tenant_id,
                admin_principal_id=client.object_id,
                admin_principal_type=roles.deployer_principal_type(client.client_id),
                vnet_id=network.vnet_id,
                subnet_id=network.node_subnet_id,
                outbound_type=network.outbound_type,
                private_endpoint=bp.cluster.private_endpoint,
                authorized_cidrs=bp.cluster.authorized_cidrs,
                disk_encryption_set_id=key.disk_encryption_set_id,
                node_resource_group=node_group,
                system_vm_size=bp.cluster.system_pool.instance_type,
                system_min_nodes=bp.cluster.system_pool.min_nodes,
                system_max_nodes=bp.cluster.system_pool.max_nodes,
                zones=PROD_ZONES if bp.is_prod else (),
                uptime_sla=bp.is_prod,
                log_retention_days=LOG_RETENTION_DAYS[bp.is_prod],
                maintenance=bp.cluster.maintenance,
                depends_on=key.disks_ready,
            ),
            opts=child,
        )

        for pool in bp.gpu_pools:
            GpuNodePool(
                pool.name,
                GpuNodePoolArgs(
                    pool=pool,
                    placement=where,
                    cluster_name=cluster.name,
                    agent_pool_name=pool_names[pool.name],
                    subnet_id=network.node_subnet_id,
                ),
                opts=child,
            )
        groups: list[tuple[AutoscalingGroupModel, AutoscalingGroup]] = []
        for asg in bp.autoscaling_groups:
            vms = AutoscalingGroup(
                asg.name,
                AutoscalingGroupArgs(
                    group=asg,
                    placement=where,
                    subnet_id=network.node_subnet_id,
                    disk_encryption_set_id=key.disk_encryption_set_id,
                    depends_on=key.disks_ready,
                ),
                opts=child,
            )
            groups.append((asg, vms))

        buckets = {
            b.name: TieredBucket(
                b.name,
                TieredBucketArgs(
                    bucket=b,
                    placement=where,
                    account_name=naming.storage_account_name(subscription, group_name, b.name),
                    vault_uri=key.vault_uri,
                    key_name=key.key_name,
                    encryption_identity_id=key.encryption_identity_id,
                    restrict_network=bp.is_prod,
                    allowed_subnet_ids=(network.node_subnet_id,),
                    zone_redundant=bp.is_prod,
                    lock=bp.is_prod,
                    soft_delete_days=SOFT_DELETE_DAYS[bp.is_prod],
                    depends_on=key.storage_ready,
                    access_log_workspace_id=cluster.workspace_id if logs_access(bp) else None,
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
            identity.bind(cluster.oidc_issuer_url)
        for asg, vms in groups:
            grant_bucket_access(asg, vms, buckets)

        if bp.cluster.in_cluster.enabled:
            ClusterLayer(
                "cluster-layer",
                ClusterLayerArgs(
                    cluster_name=cluster.name,
                    kubeconfig=cluster.kubeconfig,
                    pools=tuple(pool_facts("azure", p, extra_taints=spot_taints(p)) for p in bp.gpu_pools),
                    workloads=bp.workloads,
                    distributed_engine=bp.cluster.in_cluster.distributed_engine,
                    # Azure Disk CSI (on in every AKS cluster) with the platform key's disk
                    # encryption set, which the cluster identity may read (cluster.py)
                    # (https://learn.microsoft.com/azure/aks/azure-disk-customer-managed-keys).
                    storage_class=StorageClassSpec(
                        name=STORAGE_CLASS_NAME,
                        provisioner="disk.csi.azure.com",
                        parameters={
                            "skuName": "StandardSSD_ZRS" if bp.is_prod else "StandardSSD_LRS",
                            "kind": "managed",
                            "diskEncryptionSetID": key.disk_encryption_set_id,
                        },
                    ),
                    service_account_annotations={
                        n: {WORKLOAD_IDENTITY_ANNOTATION: i.client_id} for n, i in identities.items()
                    },
                    depends_on=(cluster.admin_ready,),
                ),
                opts=child,
            )

        self.notification_channel = NotificationChannel(
            "alerts",
            NotificationChannelArgs(
                placement=where,
                contacts=bp.monitoring.contacts,
                short_name=naming.action_group_short_name(stack),
            ),
            opts=child,
        )
        Budget(
            "budget",
            BudgetArgs(
                budget=bp.budget,
                subscription_id=subscription,
                resource_groups=(group_name, node_group),
                start_date=first_of_this_month(),
                action_group_ids=(self.notification_channel.action_group_id,),
            ),
            opts=child,
        )

        self.outputs = PlatformOutputs(
            cluster_name=cluster.name,
            cluster_endpoint=cluster.endpoint,
            kubeconfig=cluster.kubeconfig,
            bucket_names={n: b.url for n, b in buckets.items()},
            encryption_key=key.key_uri,
            workload_identities={n: i.client_id for n, i in identities.items()},
        )
        self.register_outputs({"clusterName": cluster.name, "keyUri": key.key_uri})
