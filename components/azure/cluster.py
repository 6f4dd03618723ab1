"""AKS control plane and its system pool.

- Entra ID with Azure RBAC for Kubernetes authorisation; local accounts disabled, so every
  credential is a short-lived Entra token (kubeconfig via kubelogin). The deployer gets
  "Azure Kubernetes Service RBAC Cluster Admin" on this cluster only, as EKS gives its creator.
- Private API server (system-managed private DNS zone, no public FQDN) when the blueprint says
  so; otherwise public but limited to `authorizedCidrs`.
- Azure CNI Overlay with the Cilium dataplane enforcing network policies; egress through the
  network's NAT gateway.
- OIDC issuer and workload identity, for the federated credentials in iam.py.
- A user-assigned control-plane identity holding only Network Contributor on the VNet and
  Reader on the disk encryption set, granted before the cluster exists; the cluster waits for
  those grants to propagate (`waits.py`: AKS documents up to 60 minutes for a new identity's
  permissions).
- Node OS disks encrypted with the platform key through the disk encryption set.
- Container Insights (logs, events, pod inventory) and control-plane logs (API server, admin
  audit, controller manager, scheduler, autoscaler, Entra guard) into a Log Analytics
  workspace that accepts only Entra-authenticated ingestion.
- Patch upgrades within the pinned minor version and weekly node images, applied by AKS only
  inside the blueprint's maintenance window and never on its blackout dates (two AKS
  maintenance configurations, `maintenance.py`).
- A System-mode pool of on-demand VMs, autoscaled between the blueprint's bounds, tainted
  `CriticalAddonsOnly=true:NoSchedule` so only AKS's critical add-ons run there
  (https://learn.microsoft.com/azure/aks/use-system-pools): application pods need a pool of
  their own or a toleration.

Kubernetes secrets are encrypted by AKS with platform-managed keys; KMS etcd encryption with
the platform key needs API-server VNet integration to reach a firewalled vault and is not
enabled here."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import yaml
from pulumi_azure_native import authorization, containerservice, managedidentity, monitor, operationalinsights

from blueprint.model import Maintenance
from components.azure import roles, waits
from components.azure.maintenance import CONFIG_NAMES, maintenance_window
from components.azure.placement import Placement
from components.azure.sdk import resource_kwargs

# Overlay pod and service ranges: outside any blueprint VNet, which the platform checks.
POD_CIDR = "192.168.0.0/16"
SERVICE_CIDR = "172.16.0.0/16"
DNS_SERVICE_IP = "172.16.0.10"
SYSTEM_POOL_NAME = "system"
SYSTEM_OS_DISK_GIB = 64
# Keeps application pods off the system pool; AKS's own add-ons tolerate it.
SYSTEM_TAINT = "CriticalAddonsOnly=true:NoSchedule"
CONTROL_PLANE_LOGS = (
    "kube-apiserver",
    "kube-audit-admin",  # writes and deletes; the full kube-audit adds every read at many times the volume
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "guard",  # Entra ID authentication
)
# Container Insights' "logs and events" preset: what debugging needs, at a fraction of the
# cost of the default stream group's performance counters.
INSIGHTS_STREAMS = ("Microsoft-ContainerLogV2", "Microsoft-KubeEvents", "Microsoft-KubePodInventory")


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    placement: Placement
    cluster_name: str
    dns_prefix: str
    kubernetes_version: str
    tenant_id: str
    admin_principal_id: str  # the deployer: cluster admin through Azure RBAC
    admin_principal_type: str = "ServicePrincipal"  # authorization.PrincipalType value
    vnet_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    outbound_type: str  # containerservice.OutboundType value
    private_endpoint: bool
    authorized_cidrs: tuple[str, ...] = ()
    disk_encryption_set_id: pulumi.Input[str]
    node_resource_group: str
    system_vm_size: str
    system_min_nodes: int
    system_max_nodes: int
    zones: tuple[str, ...] = ()  # spread the system pool (prod)
    uptime_sla: bool = False  # Standard tier: financially backed API-server SLA (prod)
    log_retention_days: int = 30
    maintenance: Maintenance = field(default_factory=Maintenance)  # when AKS may upgrade
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


def check_address_ranges(vnet_cidr: str) -> None:
    """The overlay pod and service ranges must not overlap the VNet (nor each other)."""
    vnet = ipaddress.IPv4Network(vnet_cidr)
    for label, cidr in (("pod", POD_CIDR), ("service", SERVICE_CIDR)):
        if vnet.overlaps(ipaddress.IPv4Network(cidr)):
            raise ValueError(
                f"network.cidr {vnet_cidr} overlaps the AKS {label} range {cidr}; choose a range in 10.0.0.0/8"
            )


def api_server_access(
    private_endpoint: bool, authorized_cidrs: tuple[str, ...]
) -> containerservice.ManagedClusterAPIServerAccessProfileArgs:
    if private_endpoint:
        return containerservice.ManagedClusterAPIServerAccessProfileArgs(
            enable_private_cluster=True, enable_private_cluster_public_fqdn=False, private_dns_zone="system"
        )
    if not authorized_cidrs:
        raise ValueError("cluster: a public API server needs authorizedCidrs (the schema requires them)")
    return containerservice.ManagedClusterAPIServerAccessProfileArgs(
        enable_private_cluster=False, authorized_ip_ranges=list(authorized_cidrs)
    )


class Cluster(pulumi.ComponentResource):
    cluster: containerservice.ManagedCluster
    identity: managedidentity.UserAssignedIdentity
    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    admin_ready: pulumi.Resource  # the deployer's cluster-admin grant has propagated

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        access = api_server_access(args.private_endpoint, args.authorized_cidrs)
        super().__init__("mlplat:azure:Cluster", name, None, opts)
        where = args.placement
        child = pulumi.ResourceOptions(parent=self)
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            managedidentity.UserAssignedIdentityArgs(
                resource_group_name=where.resource_group_name, location=where.location
            ),
            opts=child,
        )
        grants = [
            roles.assign_role(
                f"{name}-network",
                role=roles.NETWORK_CONTRIBUTOR,
                scope=args.vnet_id,
                principal_id=self.identity.principal_id,
                subscription_id=where.subscription_id,
                description="AKS joins nodes to the subnet and links its private DNS zone to the VNet",
                parent=self,
            ),
            roles.assign_role(
                f"{name}-des-reader",
                role=roles.READER,
                scope=args.disk_encryption_set_id,
                principal_id=self.identity.principal_id,
                subscription_id=where.subscription_id,
                description="AKS reads the disk encryption set for node OS disks",
                parent=self,
            ),
        ]
        propagated = waits.after(f"{name}-identity-propagated", grants, waits.CLUSTER_IDENTITY, parent=self)
        workspace = operationalinsights.Workspace(
            f"{name}-logs",
            operationalinsights.WorkspaceArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                sku=operationalinsights.WorkspaceSkuArgs(name=operationalinsights.WorkspaceSkuNameEnum.PER_GB2018),
                retention_in_days=args.log_retention_days,
                features=operationalinsights.WorkspaceFeaturesArgs(
                    disable_local_auth=True, enable_log_access_using_only_resource_permissions=True
                ),
            ),
            opts=child,
        )
        self.cluster = containerservice.ManagedCluster(
            f"{name}-aks",
            **resource_kwargs(
                containerservice.ManagedClusterArgs(
                    resource_group_name=where.resource_group_name,
                    location=where.location,
                    resource_name=args.cluster_name,
                    dns_prefix=args.dns_prefix,
                    kubernetes_version=args.kubernetes_version,
                    sku=containerservice.ManagedClusterSKUArgs(
                        name=containerservice.ManagedClusterSKUName.BASE,
                        tier=containerservice.ManagedClusterSKUTier.STANDARD
                        if args.uptime_sla
                        else containerservice.ManagedClusterSKUTier.FREE,
                    ),
                    identity=containerservice.ManagedClusterIdentityArgs(
                        type=containerservice.ResourceIdentityType.USER_ASSIGNED,
                        user_assigned_identities=[self.identity.id],
                    ),
                    aad_profile=containerservice.ManagedClusterAADProfileArgs(
                        managed=True, enable_azure_rbac=True, tenant_id=args.tenant_id
                    ),
                    enable_rbac=True,
                    disable_local_accounts=True,
                    api_server_access_profile=access,
                    network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                        network_plugin=containerservice.NetworkPlugin.AZURE,
                        network_plugin_mode=containerservice.NetworkPluginMode.OVERLAY,
                        network_dataplane=containerservice.NetworkDataplane.CILIUM,
                        network_policy=containerservice.NetworkPolicy.CILIUM,
                        pod_cidr=POD_CIDR,
                        service_cidr=SERVICE_CIDR,
                        dns_service_ip=DNS_SERVICE_IP,
                        outbound_type=containerservice.OutboundType(args.outbound_type),
                        load_balancer_sku=containerservice.LoadBalancerSku.STANDARD,
                    ),
                    oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
                    security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                        workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(
                            enabled=True
                        )
                    ),
                    disk_encryption_set_id=args.disk_encryption_set_id,
                    auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                        upgrade_channel=containerservice.UpgradeChannel.PATCH,
                        node_os_upgrade_channel=containerservice.NodeOSUpgradeChannel.NODE_IMAGE,
                    ),
                    addon_profiles={
                        "omsagent": containerservice.ManagedClusterAddonProfileArgs(
                            enabled=True,
                            config={"logAnalyticsWorkspaceResourceID": workspace.id, "useAADAuth": "true"},
                        )
                    },
                    # Tuned for GPU pools: the cheapest fitting pool first, similar pools kept
                    # level, an idle GPU node removed after 10 minutes (10 after a scale-up),
                    # and pods with emptyDir scratch space (Ray) no reason to keep a node.
                    # AKS takes durations only as minutes ("10m")
                    # (https://learn.microsoft.com/azure/aks/cluster-autoscaler#cluster-autoscaler-profile-settings).
                    auto_scaler_profile=containerservice.ManagedClusterPropertiesAutoScalerProfileArgs(
                        expander=containerservice.Expander.LEAST_WASTE,
                        scale_down_unneeded_time="10m",
                        scale_down_delay_after_add="10m",
                        balance_similar_node_groups="true",
                        skip_nodes_with_local_storage="false",
                        max_node_provision_time="15m",
                    ),
                    # Blob CSI: datasets mounted from the storage accounts with the workload's
                    # identity (https://learn.microsoft.com/azure/aks/azure-blob-csi). Azure Disk
                    # CSI is on by default; the cluster layer's StorageClass uses it.
                    storage_profile=containerservice.ManagedClusterStorageProfileArgs(
                        blob_csi_driver=containerservice.ManagedClusterStorageProfileBlobCSIDriverArgs(enabled=True)
                    ),
                    node_resource_group=args.node_resource_group,
                    agent_pool_profiles=[self._system_pool(args)],
                )
            ),
            # The autoscaler owns the system pool's current size; Pulumi owns its bounds.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[propagated, *args.depends_on],
                ignore_changes=["agentPoolProfiles[0].count"],
            ),
        )
        self._monitoring(name, args, workspace)
        self.maintenance = [
            containerservice.MaintenanceConfiguration(
                f"{name}-{config}",
                **resource_kwargs(
                    containerservice.MaintenanceConfigurationArgs(
                        resource_group_name=where.resource_group_name,
                        resource_name=self.cluster.name,
                        config_name=config,
                        maintenance_window=maintenance_window(args.maintenance),
                    )
                ),
                opts=child,
            )
            for config in CONFIG_NAMES
        ]
        self.workspace_id = workspace.id  # the platform's Log Analytics workspace (also for storage logs)
        admin = roles.assign_role(
            f"{name}-admin",
            role=roles.AKS_RBAC_CLUSTER_ADMIN,
            scope=self.cluster.id,
            principal_id=args.admin_principal_id,
            subscription_id=where.subscription_id,
            description="The deployer administers the cluster through Entra ID (no local accounts)",
            parent=self,
            principal_type=authorization.PrincipalType(args.admin_principal_type),
        )
        # The cluster layer's Kubernetes provider acts as the deployer: it waits for this grant.
        self.admin_ready = waits.after(f"{name}-admin-propagated", [admin], waits.AKS_AZURE_RBAC, parent=self)
        self.name = self.cluster.name
        fqdn = self.cluster.private_fqdn if args.private_endpoint else self.cluster.fqdn
        self.endpoint = pulumi.Output.concat("https://", fqdn, ":443")
        self.oidc_issuer_url = self.cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url if p else "")
        credentials = containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=where.resource_group_name, resource_name=self.cluster.name, format="exec"
        )
        self.kubeconfig = pulumi.Output.secret(
            credentials.kubeconfigs.apply(lambda k: non_interactive(base64.b64decode(k[0].value).decode()) if k else "")
        )
        self.register_outputs(
            {
                "name": self.name,
                "endpoint": self.endpoint,
                "oidcIssuerUrl": self.oidc_issuer_url,
                "kubeconfig": self.kubeconfig,
            }
        )

    @staticmethod
    def _system_pool(args: ClusterArgs) -> containerservice.ManagedClusterAgentPoolProfileArgs:
        return containerservice.ManagedClusterAgentPoolProfileArgs(
            name=SYSTEM_POOL_NAME,
            mode=containerservice.AgentPoolMode.SYSTEM,
            type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
            vm_size=args.system_vm_size,
            scale_set_priority=containerservice.ScaleSetPriority.REGULAR,  # on-demand: the pool is never evicted
            enable_auto_scaling=True,
            min_count=args.system_min_nodes,
            max_count=args.system_max_nodes,
            count=args.system_min_nodes,
            availability_zones=list(args.zones) or None,
            os_type=containerservice.OSType.LINUX,
            os_sku=containerservice.OSSKU.UBUNTU,
            os_disk_type=containerservice.OSDiskType.MANAGED,  # encrypted through the disk encryption set
            os_disk_size_gb=SYSTEM_OS_DISK_GIB,
            vnet_subnet_id=args.subnet_id,
            enable_node_public_ip=False,
            node_labels={"mlplat/pool": SYSTEM_POOL_NAME},
            node_taints=[SYSTEM_TAINT],
        )

    def _monitoring(self, name: str, args: ClusterArgs, workspace: operationalinsights.Workspace) -> None:
        where = args.placement
        child = pulumi.ResourceOptions(parent=self)
        rule = monitor.DataCollectionRule(
            f"{name}-insights",
            monitor.DataCollectionRuleArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                kind=monitor.KnownDataCollectionRuleResourceKind.LINUX,
                description="Container Insights: container logs, Kubernetes events, pod inventory",
                data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                    extensions=[
                        monitor.ExtensionDataSourceArgs(
                            name="ContainerInsightsExtension",
                            extension_name="ContainerInsights",
                            streams=list(INSIGHTS_STREAMS),
                            extension_settings={
                                "dataCollectionSettings": {
                                    "interval": "1m",
                                    "namespaceFilteringMode": "Off",
                                    "enableContainerLogV2": True,
                                }
                            },
                        )
                    ]
                ),
                destinations=monitor.DataCollectionRuleDestinationsArgs(
                    log_analytics=[
                        monitor.LogAnalyticsDestinationArgs(name="workspace", workspace_resource_id=workspace.id)
                    ]
                ),
                data_flows=[monitor.DataFlowArgs(streams=list(INSIGHTS_STREAMS), destinations=["workspace"])],
            ),
            opts=child,
        )
        monitor.DataCollectionRuleAssociation(
            f"{name}-insights",
            monitor.DataCollectionRuleAssociationArgs(
                resource_uri=self.cluster.id,
                association_name="ContainerInsightsExtension",
                data_collection_rule_id=rule.id,
            ),
            opts=child,
        )
        monitor.DiagnosticSetting(
            f"{name}-diagnostics",
            monitor.DiagnosticSettingArgs(
                resource_uri=self.cluster.id,
                workspace_id=workspace.id,
                log_analytics_destination_type="Dedicated",  # resource-specific tables, cheaper to keep
                logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in CONTROL_PLANE_LOGS],
            ),
            opts=child,
        )


AKS_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"  # the AKS AAD server application, the same in every tenant


def non_interactive(kubeconfig: str) -> str:
    """AKS's exec kubeconfig logs in with a device code: a person at a browser, which `pulumi up`
    (the cluster layer's provider) and CI are not. Use the Azure CLI's login instead, as
    `kubelogin convert-kubeconfig -l azurecli` does: `az login` locally, `azure/login` in CI
    (https://azure.github.io/kubelogin/concepts/login-modes/azurecli.html)."""
    config = yaml.safe_load(kubeconfig)
    for user in config.get("users") or []:
        exec_ = (user.get("user") or {}).get("exec")
        if exec_ and exec_.get("command") == "kubelogin":
            args = list(exec_.get("args") or [])
            server_id = args[args.index("--server-id") + 1] if "--server-id" in args else AKS_SERVER_ID
            exec_["args"] = ["get-token", "--login", "azurecli", "--server-id", server_id]
    return str(yaml.safe_dump(config, sort_keys=False))
