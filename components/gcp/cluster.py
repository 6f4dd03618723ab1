"""GKE Standard, regional: the default node pool removed in favour of our own pools; private
nodes (no external IPs) and, when the blueprint asks (both example stacks do), a private
endpoint; master authorized networks always on (the blueprint's authorizedCidrs, plus the
node subnet so a bastion or runner inside the network can reach a private endpoint);
Workload Identity; shielded nodes; etcd secrets encrypted with the platform key; Dataplane
V2 (eBPF datapath with built-in network policy); a release channel with the Kubernetes
version pinned as the minimum; system and workload logs and system metrics; GKE cost
allocation and the utilisation-optimising autoscaler profile; deletion protection in prod;
a maintenance policy (the blueprint's weekly UTC window, its blackouts as no-upgrade
exclusions, so release-channel upgrades do not evict a multi-day training run); and a small
on-demand system node pool."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pulumi
import pulumi_gcp as gcp

from blueprint.model import Maintenance
from components.gcp.node_config import CLOUD_PLATFORM_SCOPE, initial_nodes_per_zone, secure_node_config

RRULE_DAYS = {
    "Monday": "MO",
    "Tuesday": "TU",
    "Wednesday": "WE",
    "Thursday": "TH",
    "Friday": "FR",
    "Saturday": "SA",
    "Sunday": "SU",
}
# The recurring window's first occurrence: a fixed date keeps the plan stable (GKE only takes
# the time of day and the length from it; the RRULE picks the weekday).
WINDOW_ANCHOR = date(2026, 1, 5)  # a Monday
DEFAULT_MAINTENANCE = Maintenance()
MASTER_CIDR = "172.16.0.0/28"  # the control plane's peering range: outside any blueprint network
SYSTEM_DISK_GIB = 50


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    cluster_name: str
    project: str
    region: str
    kubernetes_version: str
    network_id: pulumi.Input[str]
    subnetwork_id: pulumi.Input[str]
    pods_range_name: str
    services_range_name: str
    internal_cidrs: tuple[str, ...] = ()  # node subnet: may reach a private endpoint
    key_id: pulumi.Input[str]
    private_endpoint: bool
    authorized_cidrs: tuple[str, ...]
    node_service_account: pulumi.Input[str]
    system_machine_type: str
    system_min_nodes: int
    system_max_nodes: int
    release_channel: str  # STABLE in prod, REGULAR elsewhere
    deletion_protection: bool
    maintenance: Maintenance = DEFAULT_MAINTENANCE
    master_cidr: str = MASTER_CIDR
    depends_on: Sequence[pulumi.Resource] = ()  # the GKE and Compute agents' key grants, the APIs


class Cluster(pulumi.ComponentResource):
    cluster: gcp.container.Cluster
    cluster_id: pulumi.Output[str]
    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    dns_endpoint: pulumi.Output[str]
    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        master = ipaddress.IPv4Network(args.master_cidr)
        for cidr in args.internal_cidrs:
            if master.overlaps(ipaddress.IPv4Network(cidr)):
                raise ValueError(f"network.cidr: {cidr} overlaps the GKE control plane range {args.master_cidr}")
        super().__init__("mlplat:gcp:Cluster", name, None, opts)
        authorized = [
            gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(cidr_block=c, display_name="nodes subnet")
            for c in args.internal_cidrs
        ] + [
            gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(cidr_block=c, display_name="authorized")
            for c in args.authorized_cidrs
        ]
        self.cluster = gcp.container.Cluster(
            f"{name}-gke",
            gcp.container.ClusterArgs(
                name=args.cluster_name,
                location=args.region,
                network=args.network_id,
                subnetwork=args.subnetwork_id,
                networking_mode="VPC_NATIVE",
                ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                    cluster_secondary_range_name=args.pods_range_name,
                    services_secondary_range_name=args.services_range_name,
                ),
                # GKE needs a pool to create the cluster; it is deleted right after. Even that
                # one runs with our node account, shielded and CMEK-encrypted.
                remove_default_node_pool=True,
                initial_node_count=1,
                node_config=gcp.container.ClusterNodeConfigArgs(
                    machine_type=args.system_machine_type,
                    disk_size_gb=SYSTEM_DISK_GIB,
                    disk_type="pd-balanced",
                    boot_disk_kms_key=args.key_id,
                    service_account=args.node_service_account,
                    oauth_scopes=[CLOUD_PLATFORM_SCOPE],
                    workload_metadata_config=gcp.container.ClusterNodeConfigWorkloadMetadataConfigArgs(
                        mode="GKE_METADATA"
                    ),
                    shielded_instance_config=gcp.container.ClusterNodeConfigShieldedInstanceConfigArgs(
                        enable_secure_boot=True, enable_integrity_monitoring=True
                    ),
                ),
                min_master_version=args.kubernetes_version,
                release_channel=gcp.container.ClusterReleaseChannelArgs(channel=args.release_channel),
                private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                    enable_private_nodes=True,
                    enable_private_endpoint=args.private_endpoint,
                    master_ipv4_cidr_block=args.master_cidr,
                ),
                master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                    cidr_blocks=authorized, gcp_public_cidrs_access_enabled=False
                ),
                # The DNS-based endpoint: reachable from anywhere, but every request is
                # authorized by IAM (container.clusters.connect) before Kubernetes sees it, so
                # `pulumi up` and people reach a private cluster without a bastion or an
                # allow-listed IP (https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation#dns-based_endpoint).
                control_plane_endpoints_config=gcp.container.ClusterControlPlaneEndpointsConfigArgs(
                    dns_endpoint_config=gcp.container.ClusterControlPlaneEndpointsConfigDnsEndpointConfigArgs(
                        allow_external_traffic=True,
                        # Only IAM-authorized requests over it: no Kubernetes client
                        # certificates or service-account tokens (policy MLP-016).
                        enable_k8s_certs_via_dns=False,
                        enable_k8s_tokens_via_dns=False,
                    )
                ),
                master_auth=gcp.container.ClusterMasterAuthArgs(
                    client_certificate_config=gcp.container.ClusterMasterAuthClientCertificateConfigArgs(
                        issue_client_certificate=False
                    )
                ),
                enable_legacy_abac=False,
                workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
                    workload_pool=f"{args.project}.svc.id.goog"
                ),
                enable_shielded_nodes=True,
                database_encryption=gcp.container.ClusterDatabaseEncryptionArgs(
                    state="ENCRYPTED", key_name=args.key_id
                ),
                datapath_provider="ADVANCED_DATAPATH",
                logging_config=gcp.container.ClusterLoggingConfigArgs(
                    enable_components=["SYSTEM_COMPONENTS", "WORKLOADS"]
                ),
                monitoring_config=gcp.container.ClusterMonitoringConfigArgs(
                    enable_components=["SYSTEM_COMPONENTS"],
                    managed_prometheus=gcp.container.ClusterMonitoringConfigManagedPrometheusArgs(enabled=True),
                ),
                addons_config=gcp.container.ClusterAddonsConfigArgs(
                    gcs_fuse_csi_driver_config=gcp.container.ClusterAddonsConfigGcsFuseCsiDriverConfigArgs(
                        enabled=True  # mount dataset buckets into training pods
                    ),
                    gce_persistent_disk_csi_driver_config=gcp.container.ClusterAddonsConfigGcePersistentDiskCsiDriverConfigArgs(
                        enabled=True
                    ),
                ),
                cost_management_config=gcp.container.ClusterCostManagementConfigArgs(enabled=True),
                cluster_autoscaling=gcp.container.ClusterClusterAutoscalingArgs(
                    autoscaling_profile="OPTIMIZE_UTILIZATION"  # scale idle nodes down sooner
                ),
                maintenance_policy=maintenance_policy(args.maintenance),
                deletion_protection=args.deletion_protection,
            ),
            # The default pool's config only matters at creation; it is gone afterwards.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.depends_on), ignore_changes=["nodeConfig", "initialNodeCount"]
            ),
        )
        system = gcp.container.NodePool(
            f"{name}-system",
            gcp.container.NodePoolArgs(
                cluster=self.cluster.id,
                location=args.region,
                initial_node_count=initial_nodes_per_zone(args.system_min_nodes),
                autoscaling=gcp.container.NodePoolAutoscalingArgs(
                    total_min_node_count=args.system_min_nodes,
                    total_max_node_count=args.system_max_nodes,
                    location_policy="BALANCED",
                ),
                management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
                upgrade_settings=gcp.container.NodePoolUpgradeSettingsArgs(max_surge=1, max_unavailable=0),
                node_config=secure_node_config(
                    machine_type=args.system_machine_type,
                    service_account=args.node_service_account,
                    key_id=args.key_id,
                    disk_size_gib=SYSTEM_DISK_GIB,
                    labels={"mlplat/pool": "system"},
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.depends_on), ignore_changes=["initialNodeCount"]
            ),
        )
        self.ready = [system]
        self.cluster_id = self.cluster.id
        self.name = self.cluster.name
        self.endpoint = self.cluster.endpoint
        self.dns_endpoint = self.cluster.control_plane_endpoints_config.apply(dns_endpoint)
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(self.cluster.name, self.dns_endpoint).apply(lambda v: kubeconfig(v[0], v[1]))
        )
        self.register_outputs({"name": self.name, "endpoint": self.endpoint, "kubeconfig": self.kubeconfig})


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def maintenance_policy(m: Maintenance) -> gcp.container.ClusterMaintenancePolicyArgs:
    """The blueprint's weekly window as a recurring window (UTC), and each blackout as a
    NO_UPGRADES exclusion from 00:00 UTC on its first day to 00:00 UTC after its last.
    https://cloud.google.com/kubernetes-engine/docs/concepts/maintenance-windows-and-exclusions"""
    first = WINDOW_ANCHOR + timedelta(days=list(RRULE_DAYS).index(m.day))
    hour, minute = (int(part) for part in m.start_time_utc.split(":"))
    start = datetime(first.year, first.month, first.day, hour, minute)
    return gcp.container.ClusterMaintenancePolicyArgs(
        recurring_window=gcp.container.ClusterMaintenancePolicyRecurringWindowArgs(
            start_time=_utc(start),
            end_time=_utc(start + timedelta(hours=m.duration_hours)),
            recurrence=f"FREQ=WEEKLY;BYDAY={RRULE_DAYS[m.day]}",
        ),
        maintenance_exclusions=[
            gcp.container.ClusterMaintenancePolicyMaintenanceExclusionArgs(
                exclusion_name=b.name,
                start_time=f"{b.start}T00:00:00Z",
                end_time=f"{(date.fromisoformat(b.end) + timedelta(days=1)).isoformat()}T00:00:00Z",
                exclusion_options=gcp.container.ClusterMaintenancePolicyMaintenanceExclusionExclusionOptionsArgs(
                    scope="NO_UPGRADES"
                ),
            )
            for b in m.blackouts
        ]
        or None,
    )


def dns_endpoint(config: gcp.container.outputs.ClusterControlPlaneEndpointsConfig | None) -> str:
    dns = config.dns_endpoint_config if config else None
    return (dns.endpoint or "") if dns else ""


def kubeconfig(name: str, dns_endpoint: str) -> str:
    """The DNS-based endpoint with tokens from `gke-gcloud-auth-plugin`: no long-lived
    credentials in the file, and no CA data (the endpoint's certificate is publicly trusted;
    `gcloud container clusters get-credentials --dns-endpoint` writes the same)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": f"https://{dns_endpoint}"}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
            "users": [
                {
                    "name": name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "gke-gcloud-auth-plugin",
                            "provideClusterInfo": True,
                            "installHint": "gcloud components install gke-gcloud-auth-plugin",
                        }
                    },
                }
            ],
        },
        indent=2,
    )
