"""VPC network in custom mode (no auto subnets) with one regional subnetwork for nodes and
VMs, secondary ranges for GKE pods and services, Private Google Access (Cloud Storage and
Artifact Registry traffic stays off the NAT), VPC flow logs, and a Cloud Router with Cloud
NAT for egress: nothing in the network has an external IP. Or an existing network, untouched
(its node subnetwork is only looked up, for its ranges).

No firewall rule is created here: GCP denies all ingress by default and GKE adds the rules it
needs for its own control plane. `internal_ranges` (the node subnetwork's primary and secondary
ranges: nodes and VMs, pods, services) is what a VM group's egress rules call "inside the
platform network"."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

PODS_RANGE = "pods"
SERVICES_RANGE = "services"
SUBNETWORK_PATH = re.compile(
    r"(?:^|/)projects/(?P<project>[^/]+)/regions/(?P<region>[^/]+)/subnetworks/(?P<name>[^/]+)$"
)


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    region: str
    cidr: str
    flow_sampling: float = 0.5  # share of flows logged: half keeps the signal at half the cost
    existing_network_id: str | None = None
    existing_subnetwork_id: str | None = None  # its secondary ranges must be named pods and services
    depends_on: Sequence[pulumi.Resource] = ()  # the Compute Engine API


@dataclass(frozen=True, kw_only=True)
class SubnetPlan:
    nodes: str
    services: str
    pods: str


def subnet_plan(cidr: str) -> SubnetPlan:
    """Pods get half the range (GKE reserves a /24 per node), nodes a quarter, services an
    eighth; the last eighth is spare: 10.0.0.0/16 -> nodes /18, services /19, pods /17."""
    first_half, pods = ipaddress.IPv4Network(cidr).subnets(prefixlen_diff=1)
    nodes, rest = first_half.subnets(prefixlen_diff=1)
    services = next(rest.subnets(prefixlen_diff=1))
    return SubnetPlan(nodes=str(nodes), services=str(services), pods=str(pods))


def lookup_subnetwork(ref: str, region: str) -> pulumi.Output[gcp.compute.GetSubnetworkResult]:
    """An existing subnetwork as GCP reports it, from its id (`projects/<p>/regions/<r>/subnetworks/<n>`),
    its self link, or its bare name (then in the stack's region and the provider's project). The
    provider's own self-link lookup wants the full URL, so the id is taken apart here."""
    if match := SUBNETWORK_PATH.search(ref):
        return gcp.compute.get_subnetwork_output(project=match["project"], region=match["region"], name=match["name"])
    if "/" not in ref:
        return gcp.compute.get_subnetwork_output(name=ref, region=region)
    raise ValueError(
        "network.existingSubnetIds[0]: expected projects/<project>/regions/<region>/subnetworks/<name>, "
        f"its self link or a subnetwork name (got {ref!r})"
    )


def subnetwork_ranges(subnet: gcp.compute.GetSubnetworkResult) -> list[str]:
    return [subnet.ip_cidr_range, *(r.ip_cidr_range for r in subnet.secondary_ip_ranges)]


class Network(pulumi.ComponentResource):
    network_id: pulumi.Output[str]
    subnetwork_id: pulumi.Output[str]
    internal_ranges: pulumi.Output[list[str]]  # the node subnetwork's primary and secondary ranges
    nodes_cidr: str | None  # None for an existing network
    pods_range_name: str = PODS_RANGE
    services_range_name: str = SERVICES_RANGE

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:gcp:Network", name, None, opts)
        if args.existing_network_id:
            if not args.existing_subnetwork_id:
                raise ValueError("network: existingNetworkId needs existingSubnetIds (the subnetwork for nodes)")
            self.network_id = pulumi.Output.from_input(args.existing_network_id)
            self.subnetwork_id = pulumi.Output.from_input(args.existing_subnetwork_id)
            self.internal_ranges = lookup_subnetwork(args.existing_subnetwork_id, args.region).apply(subnetwork_ranges)
            self.nodes_cidr = None
            self.register_outputs({"networkId": self.network_id, "subnetworkId": self.subnetwork_id})
            return
        plan = subnet_plan(args.cidr)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        network = gcp.compute.Network(
            f"{name}-vpc",
            gcp.compute.NetworkArgs(
                auto_create_subnetworks=False,
                routing_mode="REGIONAL",
                description="ML platform network",
            ),
            opts=child,
        )
        subnet = gcp.compute.Subnetwork(
            f"{name}-nodes",
            gcp.compute.SubnetworkArgs(
                network=network.id,
                region=args.region,
                ip_cidr_range=plan.nodes,
                private_ip_google_access=True,
                secondary_ip_ranges=[
                    gcp.compute.SubnetworkSecondaryIpRangeArgs(range_name=PODS_RANGE, ip_cidr_range=plan.pods),
                    gcp.compute.SubnetworkSecondaryIpRangeArgs(range_name=SERVICES_RANGE, ip_cidr_range=plan.services),
                ],
                log_config=gcp.compute.SubnetworkLogConfigArgs(
                    aggregation_interval="INTERVAL_10_MIN",
                    flow_sampling=args.flow_sampling,
                    metadata="INCLUDE_ALL_METADATA",
                ),
            ),
            opts=child,
        )
        router = gcp.compute.Router(
            f"{name}-router",
            gcp.compute.RouterArgs(network=network.id, region=args.region, description="Cloud NAT for private nodes"),
            opts=child,
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            gcp.compute.RouterNatArgs(
                router=router.name,
                region=args.region,
                nat_ip_allocate_option="AUTO_ONLY",
                source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
                subnetworks=[
                    gcp.compute.RouterNatSubnetworkArgs(name=subnet.id, source_ip_ranges_to_nats=["ALL_IP_RANGES"])
                ],
                log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            ),
            opts=child,
        )
        self.network_id = network.id
        self.subnetwork_id = subnet.id
        self.internal_ranges = pulumi.Output.from_input([plan.nodes, plan.pods, plan.services])
        self.nodes_cidr = plan.nodes
        self.register_outputs({"networkId": self.network_id, "subnetworkId": self.subnetwork_id})
