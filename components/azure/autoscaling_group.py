"""An autoscaling VM group outside Kubernetes (batch, data preparation): a Flexible virtual
machine scale set plus an autoscale setting.

- Spot where the blueprint says so, with Spot Priority Mix for the on-demand base and share
  (the Azure counterpart of an AWS mixed-instances policy), eviction Delete, no price cap;
  several VM sizes become an instance mix, capacity-optimised to cut evictions.
- No public IP on any NIC (egress through the subnet's NAT gateway), no inbound rules (the
  subnet's network security group), no SSH: the admin key is one nobody holds (ssh.py).
- With `egress: web` (the default) a network security group of the group's own on its NICs
  allows outbound TCP 80 and 443 anywhere and anything to the VirtualNetwork service tag and denies
  the rest; the subnet's group (shared with AKS) is untouched. Azure DNS, IMDS and time
  (168.63.129.16, 169.254.169.254) are platform traffic NSG rules do not filter. `egress: all`
  adds no group.
- OS disk encrypted with the platform key through the disk encryption set; Trusted Launch
  (secure boot, vTPM); a user-assigned identity with no roles until a workload needs one.
- CPU autoscaling between the blueprint's min and max: out by one above the target
  utilisation over 5 minutes, in by one well below it over 10. Azure has no CPU reading for a
  group at zero instances: jobs that start a group from zero set its capacity themselves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import compute, managedidentity, monitor, network

from blueprint.model import AutoscalingGroup as GroupSpec
from components.azure import roles
from components.azure.placement import Placement
from components.azure.ssh import lockbox_public_key

ADMIN_USER = "azureuser"
CPU_METRIC = "Percentage CPU"
CPU_METRIC_NAMESPACE = "microsoft.compute/virtualmachinescalesets"
SCALE_IN_BAND = 30  # scale in below target minus this many points (never below 5%)
SPOT_MAX_PRICE_ON_DEMAND = -1.0
# `egress: web`: the outbound rules of the group's NIC security group, in priority order.
EGRESS_WEB_RULES = (
    network.SecurityRuleArgs(
        name="allow-web-out",
        description="HTTP and HTTPS to anywhere: cloud APIs, registries, package mirrors",
        priority=100,
        direction=network.SecurityRuleDirection.OUTBOUND,
        access=network.SecurityRuleAccess.ALLOW,
        protocol=network.SecurityRuleProtocol.TCP,
        source_address_prefix="*",
        source_port_range="*",
        destination_address_prefix="*",
        destination_port_ranges=["80", "443"],
    ),
    network.SecurityRuleArgs(
        name="allow-vnet-out",
        description="anything inside the platform network",
        priority=110,
        direction=network.SecurityRuleDirection.OUTBOUND,
        access=network.SecurityRuleAccess.ALLOW,
        protocol=network.SecurityRuleProtocol.ASTERISK,
        source_address_prefix="*",
        source_port_range="*",
        destination_address_prefix="VirtualNetwork",
        destination_port_range="*",
    ),
    network.SecurityRuleArgs(
        name="deny-all-out",
        description="every other outbound connection",
        priority=4096,  # the last priority of our own; Azure's defaults (65000+) never apply
        direction=network.SecurityRuleDirection.OUTBOUND,
        access=network.SecurityRuleAccess.DENY,
        protocol=network.SecurityRuleProtocol.ASTERISK,
        source_address_prefix="*",
        source_port_range="*",
        destination_address_prefix="*",
        destination_port_range="*",
    ),
)


@dataclass(frozen=True, kw_only=True)
class ImageRef:
    publisher: str
    offer: str
    sku: str
    version: str = "latest"


UBUNTU_2404 = ImageRef(publisher="Canonical", offer="ubuntu-24_04-lts", sku="server")


@dataclass(frozen=True, kw_only=True)
class AutoscalingGroupArgs:
    group: GroupSpec
    placement: Placement
    subnet_id: pulumi.Input[str]
    disk_encryption_set_id: pulumi.Input[str]
    image: ImageRef = UBUNTU_2404
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)  # the set's key access


def scale_in_threshold(target: int) -> int:
    return max(target - SCALE_IN_BAND, 5)


def _sku(g: GroupSpec) -> tuple[compute.SkuArgs, compute.SkuProfileArgs | None]:
    if len(g.instance_types) == 1:
        return compute.SkuArgs(name=g.instance_types[0], tier="Standard", capacity=g.min_size), None
    return compute.SkuArgs(name="Mix", capacity=g.min_size), compute.SkuProfileArgs(
        vm_sizes=[compute.SkuProfileVMSizeArgs(name=t) for t in g.instance_types],
        allocation_strategy=compute.AllocationStrategy.CAPACITY_OPTIMIZED,
    )


class AutoscalingGroup(pulumi.ComponentResource):
    """`add_role` makes the group a `RoleHolder`: `autoscalingGroups[].buckets` grants go to its
    user-assigned identity (the storage account unwraps its CMK itself, so no key grant)."""

    scale_set: compute.VirtualMachineScaleSet
    identity: managedidentity.UserAssignedIdentity
    security_group: network.NetworkSecurityGroup | None  # egress: web only

    def __init__(self, name: str, args: AutoscalingGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:azure:AutoscalingGroup", name, None, opts)
        g, where = args.group, args.placement
        self._name, self._placement = name, where
        spot = g.spot_percentage > 0
        child = pulumi.ResourceOptions(parent=self)
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            managedidentity.UserAssignedIdentityArgs(
                resource_group_name=where.resource_group_name, location=where.location
            ),
            opts=child,
        )
        self.security_group = (
            network.NetworkSecurityGroup(
                f"{name}-nsg",
                network.NetworkSecurityGroupInitArgs(
                    resource_group_name=where.resource_group_name,
                    location=where.location,
                    security_rules=list(EGRESS_WEB_RULES),
                ),
                opts=child,
            )
            if g.egress == "web"
            else None
        )
        sku, sku_profile = _sku(g)
        self.scale_set = compute.VirtualMachineScaleSet(
            f"{name}-vmss",
            compute.VirtualMachineScaleSetArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                orchestration_mode=compute.OrchestrationMode.FLEXIBLE,
                platform_fault_domain_count=1,
                sku=sku,
                sku_profile=sku_profile,
                priority_mix_policy=compute.PriorityMixPolicyArgs(
                    base_regular_priority_count=g.on_demand_base_capacity,
                    regular_priority_percentage_above_base=100 - g.spot_percentage,
                )
                if spot
                else None,
                identity=compute.VirtualMachineScaleSetIdentityArgs(
                    type=compute.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=[self.identity.id]
                ),
                upgrade_policy=compute.UpgradePolicyArgs(
                    mode=compute.UpgradeMode.MANUAL
                ),  # new instances get the new model
                virtual_machine_profile=self._vm_profile(
                    name, args, spot, self.security_group.id if self.security_group else None
                ),
            ),
            # The autoscale setting owns the current capacity; Pulumi owns the bounds.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["sku.capacity"], depends_on=list(args.depends_on)),
        )
        monitor.AutoscaleSetting(
            f"{name}-autoscale",
            monitor.AutoscaleSettingArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                enabled=True,
                target_resource_uri=self.scale_set.id,
                target_resource_location=where.location,
                profiles=[
                    monitor.AutoscaleProfileArgs(
                        name="cpu",
                        capacity=monitor.ScaleCapacityArgs(
                            minimum=str(g.min_size), maximum=str(g.max_size), default=str(g.min_size)
                        ),
                        rules=[
                            self._cpu_rule(
                                monitor.ComparisonOperationType.GREATER_THAN,
                                g.target_cpu_utilization,
                                monitor.ScaleDirection.INCREASE,
                                minutes=5,
                            ),
                            self._cpu_rule(
                                monitor.ComparisonOperationType.LESS_THAN,
                                scale_in_threshold(g.target_cpu_utilization),
                                monitor.ScaleDirection.DECREASE,
                                minutes=10,
                            ),
                        ],
                    )
                ],
            ),
            opts=child,
        )
        self.register_outputs({"scaleSetId": self.scale_set.id})

    def _cpu_rule(
        self,
        operator: monitor.ComparisonOperationType,
        threshold: int,
        direction: monitor.ScaleDirection,
        *,
        minutes: int,
    ) -> monitor.ScaleRuleArgs:
        return monitor.ScaleRuleArgs(
            metric_trigger=monitor.MetricTriggerArgs(
                metric_name=CPU_METRIC,
                metric_namespace=CPU_METRIC_NAMESPACE,
                metric_resource_uri=self.scale_set.id,
                time_grain="PT1M",
                statistic=monitor.MetricStatisticType.AVERAGE,
                time_window=f"PT{minutes}M",
                time_aggregation=monitor.TimeAggregationType.AVERAGE,
                operator=operator,
                threshold=float(threshold),
            ),
            scale_action=monitor.ScaleActionArgs(
                direction=direction, type=monitor.ScaleType.CHANGE_COUNT, value="1", cooldown=f"PT{minutes}M"
            ),
        )

    def add_role(self, suffix: str, role: roles.BuiltInRole, scope: pulumi.Input[str], description: str) -> None:
        """A bucket's role for the group's identity (`TieredBucket.grant_read/grant_write`)."""
        roles.assign_role(
            f"{self._name}-{suffix}",
            role=role,
            scope=scope,
            principal_id=self.identity.principal_id,
            subscription_id=self._placement.subscription_id,
            description=f"VM group {self._name}: {description}",
            parent=self,
        )

    @staticmethod
    def _vm_profile(
        name: str, args: AutoscalingGroupArgs, spot: bool, security_group_id: pulumi.Input[str] | None
    ) -> compute.VirtualMachineScaleSetVMProfileArgs:
        g = args.group
        return compute.VirtualMachineScaleSetVMProfileArgs(
            priority=compute.VirtualMachinePriorityTypes.SPOT if spot else compute.VirtualMachinePriorityTypes.REGULAR,
            eviction_policy=compute.VirtualMachineEvictionPolicyTypes.DELETE if spot else None,
            billing_profile=compute.BillingProfileArgs(max_price=SPOT_MAX_PRICE_ON_DEMAND) if spot else None,
            os_profile=compute.VirtualMachineScaleSetOSProfileArgs(
                computer_name_prefix=re.sub(r"[^a-z0-9-]", "", g.name)[:15] or "vm",
                admin_username=ADMIN_USER,
                linux_configuration=compute.LinuxConfigurationArgs(
                    disable_password_authentication=True,
                    provision_vm_agent=True,
                    ssh=compute.SshConfigurationArgs(
                        public_keys=[
                            compute.SshPublicKeyArgs(
                                path=f"/home/{ADMIN_USER}/.ssh/authorized_keys", key_data=lockbox_public_key()
                            )
                        ]
                    ),
                ),
            ),
            storage_profile=compute.VirtualMachineScaleSetStorageProfileArgs(
                image_reference=compute.ImageReferenceArgs(
                    publisher=args.image.publisher,
                    offer=args.image.offer,
                    sku=args.image.sku,
                    version=args.image.version,
                ),
                os_disk=compute.VirtualMachineScaleSetOSDiskArgs(
                    create_option=compute.DiskCreateOptionTypes.FROM_IMAGE,
                    caching=compute.CachingTypes.READ_WRITE,
                    delete_option=compute.DiskDeleteOptionTypes.DELETE,
                    disk_size_gb=g.disk_size_gib,
                    managed_disk=compute.VirtualMachineScaleSetManagedDiskParametersArgs(
                        storage_account_type=compute.StorageAccountTypes.STANDARD_SS_D_LRS,
                        disk_encryption_set=compute.DiskEncryptionSetParametersArgs(id=args.disk_encryption_set_id),
                    ),
                ),
            ),
            network_profile=compute.VirtualMachineScaleSetNetworkProfileArgs(
                network_api_version=compute.NetworkApiVersion.NETWORK_API_VERSION_2020_11_01,
                network_interface_configurations=[
                    compute.VirtualMachineScaleSetNetworkConfigurationArgs(
                        name=f"{name}-nic",
                        primary=True,
                        enable_accelerated_networking=True,
                        delete_option=compute.DeleteOptions.DELETE,
                        network_security_group=compute.SubResourceArgs(id=security_group_id)
                        if security_group_id is not None
                        else None,
                        ip_configurations=[
                            # No public_ip_address_configuration: instances get private addresses only.
                            compute.VirtualMachineScaleSetIPConfigurationArgs(
                                name=f"{name}-ip",
                                primary=True,
                                subnet=compute.ApiEntityReferenceArgs(id=args.subnet_id),
                            )
                        ],
                    )
                ],
            ),
            security_profile=compute.SecurityProfileArgs(
                security_type=compute.SecurityTypes.TRUSTED_LAUNCH,
                uefi_settings=compute.UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True),
            ),
            diagnostics_profile=compute.DiagnosticsProfileArgs(
                boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)  # managed storage, no account of ours
            ),
        )
