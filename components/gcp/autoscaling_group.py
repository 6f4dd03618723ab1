"""An autoscaling VM group outside Kubernetes (batch, data preparation): an instance template
(no external IP, shielded VM, boot disk encrypted with the platform key, spot where the
blueprint says spot, OS Login instead of SSH keys, a dedicated service account that may only
write logs and metrics), a regional managed instance group spreading VMs over the region's
zones where capacity is (target shape BALANCED, which autoscaling requires; for machine types
that come with GPUs, a2-/a3-/g2-, only the zones carrying those GPUs: the catalog's
`gcpGpuZones`), and a regional autoscaler on CPU. On-demand VMs live-migrate on host
maintenance, except those with GPUs, which cannot: they stop and restart (TERMINATE).

With `egress: web` (the default), three egress firewall rules that target the group's
service account only (GKE nodes are untouched): allow TCP 80 and 443 anywhere and anything to the
platform network's ranges (priority 1000), deny all other egress (65000, above GCP's implied
allow at 65535). The metadata server (DNS, credentials, time) is not subject to firewall
rules. `egress: all` creates none of them.

A GCP instance group is either all spot or all on-demand: `spotPercentage` must be 100 (with
no on-demand base) or 0. Extra `instanceTypes` become the group's instance flexibility
selections, in order of preference."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from blueprint.catalog import load_catalog
from blueprint.model import AutoscalingGroup as GroupSpec
from components.gcp.iam import member, project_roles
from components.gcp.naming import firewall_name
from components.gcp.node_config import CLOUD_PLATFORM_SCOPE

DEBIAN_12 = "projects/debian-cloud/global/images/family/debian-12"
VM_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter")
ANYWHERE = "0.0.0.0/0"
ALLOW_PRIORITY = 1000  # GCP's default priority
DENY_PRIORITY = 65000  # below our allows, above the implied allow-all egress (65535)
AUTOSCALED_SHAPE = "BALANCED"


@dataclass(frozen=True, kw_only=True)
class AutoscalingGroupArgs:
    group: GroupSpec
    project: str
    region: str
    subnetwork_id: pulumi.Input[str]
    network_id: pulumi.Input[str]  # the subnetwork's network, which the egress rules apply to
    internal_ranges: pulumi.Input[Sequence[str]]  # what `egress: web` counts as inside the platform network
    key_id: pulumi.Input[str]
    account_id: str
    stack: str  # in the firewall rule names: rules are project-wide
    source_image: str = DEBIAN_12
    depends_on: Sequence[pulumi.Resource] = ()  # the Compute agent's key grant, the Compute and IAM APIs


def is_spot(g: GroupSpec) -> bool:
    if g.spot_percentage == 100 and g.on_demand_base_capacity == 0:
        return True
    if g.spot_percentage == 0:
        return False
    raise ValueError(
        f"autoscalingGroups[{g.name}]: a GCP managed instance group is all spot or all on-demand; "
        f"set spotPercentage to 100 (and onDemandBaseCapacity to 0) or to 0 "
        f"(got spotPercentage {g.spot_percentage}, onDemandBaseCapacity {g.on_demand_base_capacity})"
    )


def gpu_zones(g: GroupSpec, region: str) -> list[str] | None:
    """The zones of `region` the group may use when its machine types come with GPUs (a2-, a3-,
    g2-): those carrying every such type's GPU, sorted. None for groups without such types, and
    when a GPU has no zone data in the region: the group then keeps GCP's default zones."""
    cat = load_catalog()
    found = cat.common_gpu_zones(g.instance_types, region)
    if found is None:
        return None
    gpus, common = found
    if not common:  # validation rejects this first (blueprint.semantics)
        raise ValueError(
            f"autoscalingGroups[{g.name}]: no zone of {region} carries all of {', '.join(gpus)} "
            f"(per {cat.gcp_gpu_zones_source}); use instance types whose GPUs share a zone"
        )
    return list(common)


@dataclass(frozen=True, kw_only=True)
class EgressRule:
    role: str  # in the resource and rule names
    what: str  # in the rule description
    priority: int
    destination_ranges: pulumi.Input[Sequence[str]]
    allow: bool
    protocol: str
    ports: Sequence[str] | None = None


def egress_rules(internal_ranges: pulumi.Input[Sequence[str]]) -> tuple[EgressRule, ...]:
    """`egress: web`: HTTP(S) to anywhere and anything inside the platform network; the rest denied."""
    return (
        EgressRule(
            role="egress-web",
            what="allow HTTP and HTTPS to anywhere",
            priority=ALLOW_PRIORITY,
            destination_ranges=[ANYWHERE],
            allow=True,
            protocol="tcp",
            ports=("80", "443"),
        ),
        EgressRule(
            role="egress-internal",
            what="allow anything inside the platform network",
            priority=ALLOW_PRIORITY,
            destination_ranges=internal_ranges,
            allow=True,
            protocol="all",
        ),
        EgressRule(
            role="egress-deny",
            what="deny all other egress",
            priority=DENY_PRIORITY,
            destination_ranges=[ANYWHERE],
            allow=False,
            protocol="all",
        ),
    )


def network_project(network: str) -> str | None:
    """The project in a network id or self link (a Shared VPC host project, say), where its
    firewall rules must live; None for a bare network name (the provider's project)."""
    parts = network.split("/")
    return parts[parts.index("projects") + 1] if "projects" in parts[:-1] else None


def has_gpus(g: GroupSpec) -> bool:
    """Whether the group's machine types come with GPUs (a2-, a3-, g2-...)."""
    cat = load_catalog()
    return any(cat.gcp_machine_gpus(t) is not None for t in g.instance_types)


def scheduling(spot: bool, gpus: bool = False) -> gcp.compute.InstanceTemplateSchedulingArgs:
    if spot:  # preempted VMs are deleted and the group re-creates them where capacity is
        return gcp.compute.InstanceTemplateSchedulingArgs(
            provisioning_model="SPOT",
            preemptible=True,
            automatic_restart=False,
            on_host_maintenance="TERMINATE",
            instance_termination_action="DELETE",
        )
    # VMs with GPUs cannot live-migrate: Compute Engine only accepts TERMINATE for them
    # (https://cloud.google.com/compute/docs/instances/setting-vm-host-options, Limitations);
    # automatic restart brings them back after the host event.
    return gcp.compute.InstanceTemplateSchedulingArgs(
        provisioning_model="STANDARD",
        automatic_restart=True,
        on_host_maintenance="TERMINATE" if gpus else "MIGRATE",
    )


class AutoscalingGroup(pulumi.ComponentResource):
    """`grantee` and `member` make the group a `BucketPrincipal`: `autoscalingGroups[].buckets`
    grants go to its service account (GCS decrypts CMEK objects itself, so no key grant)."""

    group_manager: gcp.compute.RegionInstanceGroupManager
    account: gcp.serviceaccount.Account
    grantee: str
    member: pulumi.Output[str]

    def __init__(self, name: str, args: AutoscalingGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        g = args.group
        spot = is_spot(g)
        zones = gpu_zones(g, args.region)
        super().__init__("mlplat:gcp:AutoscalingGroup", name, None, opts)
        waits = list(args.depends_on)
        child = pulumi.ResourceOptions(parent=self, depends_on=waits)
        self.account = gcp.serviceaccount.Account(
            f"{name}-sa",
            gcp.serviceaccount.AccountArgs(
                account_id=args.account_id,
                display_name=f"ML platform VM group {g.name}",
                description="VM group service account: logs and metrics only",
            ),
            opts=child,
        )
        self.grantee = f"vm-{name}"  # workload grants are named after the workload alone
        self.member = member(self.account.email)
        project_roles(self, name, args.project, self.account.email, VM_ROLES, depends_on=waits)
        template = gcp.compute.InstanceTemplate(
            f"{name}-template",
            gcp.compute.InstanceTemplateArgs(
                description=f"group {g.name}",
                machine_type=g.instance_types[0],
                disks=[
                    gcp.compute.InstanceTemplateDiskArgs(
                        boot=True,
                        auto_delete=True,
                        source_image=args.source_image,
                        disk_type="pd-balanced",
                        disk_size_gb=g.disk_size_gib,
                        disk_encryption_key=gcp.compute.InstanceTemplateDiskDiskEncryptionKeyArgs(
                            kms_key_self_link=args.key_id
                        ),
                    )
                ],
                # No access_configs: the VMs get no external IP; egress goes through Cloud NAT.
                network_interfaces=[gcp.compute.InstanceTemplateNetworkInterfaceArgs(subnetwork=args.subnetwork_id)],
                can_ip_forward=False,
                scheduling=scheduling(spot, has_gpus(g)),
                shielded_instance_config=gcp.compute.InstanceTemplateShieldedInstanceConfigArgs(
                    enable_secure_boot=True, enable_vtpm=True, enable_integrity_monitoring=True
                ),
                service_account=gcp.compute.InstanceTemplateServiceAccountArgs(
                    email=self.account.email, scopes=[CLOUD_PLATFORM_SCOPE]
                ),
                metadata={"enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE"},
            ),
            opts=child,
        )
        flexibility = (
            gcp.compute.RegionInstanceGroupManagerInstanceFlexibilityPolicyArgs(
                instance_selections=[
                    gcp.compute.RegionInstanceGroupManagerInstanceFlexibilityPolicyInstanceSelectionArgs(
                        name=f"choice-{rank}", machine_types=[machine], rank=rank
                    )
                    for rank, machine in enumerate(g.instance_types, start=1)
                ]
            )
            if len(g.instance_types) > 1
            else None
        )
        self.group_manager = gcp.compute.RegionInstanceGroupManager(
            f"{name}-mig",
            gcp.compute.RegionInstanceGroupManagerArgs(
                base_instance_name=g.name,
                region=args.region,
                versions=[
                    gcp.compute.RegionInstanceGroupManagerVersionArgs(instance_template=template.self_link_unique)
                ],
                # An autoscaled regional group must be EVEN or BALANCED
                # (https://cloud.google.com/compute/docs/instance-groups/regional-mig-set-target-distribution-shape,
                # Limitations); BALANCED still prefers zones with capacity, spot or not.
                distribution_policy_target_shape=AUTOSCALED_SHAPE,
                distribution_policy_zones=zones,
                instance_flexibility_policy=flexibility,
                update_policy=gcp.compute.RegionInstanceGroupManagerUpdatePolicyArgs(
                    type="OPPORTUNISTIC",  # a new template applies to new VMs; running batch jobs finish
                    minimal_action="REPLACE",
                    instance_redistribution_type="NONE",  # required by the ANY and BALANCED shapes
                ),
                wait_for_instances=False,
            ),
            # The autoscaler owns the size.
            opts=pulumi.ResourceOptions(parent=self, depends_on=waits, ignore_changes=["targetSize"]),
        )
        gcp.compute.RegionAutoscaler(
            f"{name}-autoscaler",
            gcp.compute.RegionAutoscalerArgs(
                region=args.region,
                target=self.group_manager.id,
                autoscaling_policy=gcp.compute.RegionAutoscalerAutoscalingPolicyArgs(
                    min_replicas=g.min_size,
                    max_replicas=g.max_size,
                    cooldown_period=120,
                    mode="ON",
                    cpu_utilization=gcp.compute.RegionAutoscalerAutoscalingPolicyCpuUtilizationArgs(
                        target=g.target_cpu_utilization / 100
                    ),
                ),
            ),
            opts=child,
        )
        if g.egress == "web":
            network = pulumi.Output.from_input(args.network_id)
            for rule in egress_rules(args.internal_ranges):
                ports = list(rule.ports) if rule.ports else None
                gcp.compute.Firewall(
                    f"{name}-{rule.role}",
                    gcp.compute.FirewallArgs(
                        name=firewall_name(args.stack, g.name, rule.role),
                        description=f"VM group {g.name}: {rule.what}",
                        network=network,
                        project=network.apply(network_project),
                        direction="EGRESS",
                        priority=rule.priority,
                        destination_ranges=rule.destination_ranges,
                        target_service_accounts=[self.account.email],  # this group's VMs only
                        allows=[gcp.compute.FirewallAllowArgs(protocol=rule.protocol, ports=ports)]
                        if rule.allow
                        else None,
                        denies=None
                        if rule.allow
                        else [gcp.compute.FirewallDenyArgs(protocol=rule.protocol, ports=ports)],
                    ),
                    # A fixed name: a replaced rule must be deleted before its successor is created.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=waits, delete_before_replace=True),
                )
        self.register_outputs({"name": self.group_manager.name})
