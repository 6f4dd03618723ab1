"""The VNet: one node subnet (AKS nodes and scale sets) with no default outbound access, egress
through a NAT gateway and its one static public IP (the only public address in the stack),
a network security group with Azure's default rules (no inbound from the internet), and
service endpoints so Storage and Key Vault firewalls can admit the subnet. Or the ids of an
existing network, untouched.

Pods get addresses from an overlay range outside the VNet (Azure CNI Overlay), so the node
subnet only needs one address per node: it takes the first half of the range and leaves the
rest for later subnets (private endpoints, a bastion)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from components.azure.placement import Placement

SERVICE_ENDPOINTS = ("Microsoft.Storage", "Microsoft.KeyVault")
NAT_IDLE_TIMEOUT_MINUTES = 4


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    placement: Placement
    cidr: str
    existing_network_id: str | None = None
    existing_subnet_ids: tuple[str, ...] = ()


def node_subnet_cidr(cidr: str) -> str:
    """10.0.0.0/16 -> 10.0.0.0/17."""
    return str(next(ipaddress.IPv4Network(cidr).subnets(prefixlen_diff=1)))


class Network(pulumi.ComponentResource):
    vnet_id: pulumi.Output[str]
    node_subnet_id: pulumi.Output[str]
    # How the cluster reaches the internet: our NAT gateway, or (in an existing network, whose
    # egress we cannot see) the AKS-managed load balancer's outbound rules.
    outbound_type: str

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:azure:Network", name, None, opts)
        if args.existing_network_id:
            self.vnet_id = pulumi.Output.from_input(args.existing_network_id)
            self.node_subnet_id = pulumi.Output.from_input(args.existing_subnet_ids[0])
            self.outbound_type = "loadBalancer"
            self.register_outputs({"vnetId": self.vnet_id, "nodeSubnetId": self.node_subnet_id})
            return
        where = args.placement
        child = pulumi.ResourceOptions(parent=self)
        vnet = network.VirtualNetwork(
            f"{name}-vnet",
            network.VirtualNetworkInitArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                address_space=network.AddressSpaceArgs(address_prefixes=[args.cidr]),
            ),
            opts=child,
        )
        nsg = network.NetworkSecurityGroup(
            f"{name}-nsg",
            # No rules of our own: Azure's defaults allow VNet and load-balancer traffic and
            # deny everything else inbound, including the internet.
            network.NetworkSecurityGroupInitArgs(
                resource_group_name=where.resource_group_name, location=where.location
            ),
            opts=child,
        )
        egress_ip = network.PublicIPAddress(
            f"{name}-nat-ip",
            network.PublicIPAddressInitArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                sku=network.PublicIPAddressSkuArgs(
                    name=network.PublicIPAddressSkuName.STANDARD, tier=network.PublicIPAddressSkuTier.REGIONAL
                ),
                public_ip_allocation_method=network.IPAllocationMethod.STATIC,
                public_ip_address_version=network.IPVersion.I_PV4,
                idle_timeout_in_minutes=NAT_IDLE_TIMEOUT_MINUTES,
            ),
            opts=child,
        )
        nat = network.NatGateway(
            f"{name}-nat",
            network.NatGatewayInitArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                sku=network.NatGatewaySkuArgs(name=network.NatGatewaySkuName.STANDARD),
                public_ip_addresses=[network.SubResourceArgs(id=egress_ip.id)],
                idle_timeout_in_minutes=NAT_IDLE_TIMEOUT_MINUTES,
            ),
            opts=child,
        )
        subnet = network.Subnet(
            f"{name}-nodes",
            network.SubnetInitArgs(
                resource_group_name=where.resource_group_name,
                virtual_network_name=vnet.name,
                address_prefix=node_subnet_cidr(args.cidr),
                default_outbound_access=False,
                nat_gateway=network.SubResourceArgs(id=nat.id),
                network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                service_endpoints=[network.ServiceEndpointPropertiesFormatArgs(service=s) for s in SERVICE_ENDPOINTS],
                private_endpoint_network_policies=network.VirtualNetworkPrivateEndpointNetworkPolicies.ENABLED,
            ),
            opts=child,
        )
        self.vnet_id = vnet.id
        self.node_subnet_id = subnet.id
        self.outbound_type = "userAssignedNATGateway"
        self.register_outputs({"vnetId": self.vnet_id, "nodeSubnetId": self.node_subnet_id})
