"""MLP-021: nodes and batch VMs get no public IP addresses (egress goes through NAT).

- AWS: no launch template network interface or instance with `associatePublicIpAddress`, and
  no subnet that EKS node groups, auto scaling groups or instances launch into with
  `mapPublicIpOnLaunch` (joined by `subnetIds`, `vpcZoneIdentifiers`, `subnetId`).
- GCP: no instance template or instance network interface with an `accessConfigs` (external
  IPv4) or `ipv6AccessConfigs` entry; GKE node pools private, by their own
  `networkConfig.enablePrivateNodes` or their cluster's `privateClusterConfig.enablePrivateNodes`.
- Azure: no AKS agent pool (or inline profile) with `enableNodePublicIP`, and no scale set IP
  configuration with a `publicIPAddressConfiguration`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from mlp_policies.clusters import AKS, AKS_AGENT_POOL, EKS_NODE_GROUP, GKE, GKE_NODE_POOL
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.values import as_bool

AWS_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AWS_INSTANCE = "aws:ec2/instance:Instance"
AWS_ASG = "aws:autoscaling/group:Group"
AWS_SUBNET = "aws:ec2/subnet:Subnet"
GCP_TEMPLATES = frozenset(
    {"gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"}
)
GCP_INSTANCE = "gcp:compute/instance:Instance"
AZURE_VMSS = "azure-native:compute:VirtualMachineScaleSet"
# Who launches nodes into which subnets, by which property.
SUBNET_USERS = {EKS_NODE_GROUP: "subnetIds", AWS_ASG: "vpcZoneIdentifiers", AWS_INSTANCE: "subnetId"}


def _subnet_users(stack: Stack) -> dict[str, list[Resource]]:
    """For each subnet (by URN), the node groups, ASGs and instances that launch into it: by
    property dependencies and by subnet id (`Stack.aws_references`)."""
    subnets = stack.of_type(AWS_SUBNET)
    users: dict[str, list[Resource]] = {s.urn: [] for s in subnets}
    for user in stack.of_type(SUBNET_USERS):
        for subnet in stack.aws_references(user, (SUBNET_USERS[user.type],), subnets):
            users[subnet.urn].append(user)
    return users


def _aws_subnet(subnet: Resource, users: list[Resource]) -> Outcome:
    if not users:
        return not_applicable(f"no nodes launch into subnet {subnet.name}")
    if as_bool(subnet.get("mapPublicIpOnLaunch")) is True:
        names = ", ".join(sorted(u.name for u in users))
        return fail(
            f"subnet {subnet.name} gives every instance a public IP (mapPublicIpOnLaunch), and {names} launch into it"
        )
    return PASS


def _aws(r: Resource) -> Outcome:
    if r.type == AWS_INSTANCE:
        if as_bool(r.get("associatePublicIpAddress")) is True:
            return fail(f"{r} has a public IP (associatePublicIpAddress)")
        return PASS
    interfaces = [n for n in r.get("networkInterfaces", default=[]) if isinstance(n, Mapping)]
    public = [str(i) for i, n in enumerate(interfaces) if as_bool(n.get("associatePublicIpAddress"))]
    if public:
        return fail(f"{r} gives instances a public IP (network interface {', '.join(public)} associatePublicIpAddress)")
    return PASS


def _gcp_vm(r: Resource) -> Outcome:
    interfaces = [n for n in r.get("networkInterfaces", default=[]) if isinstance(n, Mapping)]
    public = [str(i) for i, n in enumerate(interfaces) if n.get("accessConfigs") or n.get("ipv6AccessConfigs")]
    if public:
        return fail(f"{r} gives instances an external IP (network interface {', '.join(public)} accessConfigs)")
    return PASS


def _gke_pool(pool: Resource, clusters: list[Resource]) -> Outcome:
    own = as_bool(pool.get("networkConfig", "enablePrivateNodes"))
    if own is None and clusters:
        own = as_bool(clusters[0].get("privateClusterConfig", "enablePrivateNodes"))
    elif own is None:
        return not_applicable(f"the cluster of node pool {pool.name} is not in the stack")
    if own is not True:
        return fail(f"node pool {pool.name} has public nodes (private nodes are off for the pool and its cluster)")
    return PASS


def _azure_profiles(r: Resource) -> Outcome:
    profiles: list[Mapping[str, Any]]
    if r.type == AKS_AGENT_POOL:
        profiles = [{"name": r.get("agentPoolName") or r.name, "enableNodePublicIP": r.get("enableNodePublicIP")}]
    else:
        profiles = [p for p in r.get("agentPoolProfiles", default=[]) if isinstance(p, Mapping)]
    public = [str(p.get("name")) for p in profiles if as_bool(p.get("enableNodePublicIP"))]
    if public:
        return fail(f"{r} gives nodes public IPs (enableNodePublicIP on pool {', '.join(public)})")
    return PASS


def _azure_vmss(r: Resource) -> Outcome:
    nics = r.get("virtualMachineProfile", "networkProfile", "networkInterfaceConfigurations", default=[])
    public = [
        str(ip.get("name") or nic.get("name"))
        for nic in nics
        if isinstance(nic, Mapping)
        for ip in nic.get("ipConfigurations") or []
        if isinstance(ip, Mapping) and ip.get("publicIPAddressConfiguration")
    ]
    if public:
        return fail(f"{r} gives instances public IPs (publicIPAddressConfiguration on {', '.join(public)})")
    return PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    subnet_users = _subnet_users(stack)
    gke = stack.of_type(GKE)
    judged = 0
    for r in stack.resources:
        if r.type == AWS_SUBNET:
            yield judge(r, partial(_aws_subnet, r, subnet_users[r.urn]))
        elif r.type in (AWS_LAUNCH_TEMPLATE, AWS_INSTANCE):
            yield judge(r, partial(_aws, r))
        elif r.type in GCP_TEMPLATES or r.type == GCP_INSTANCE:
            yield judge(r, partial(_gcp_vm, r))
        elif r.type == GKE_NODE_POOL:
            yield judge(r, partial(_gke_pool, r, stack.references(r, "cluster", gke)))
        elif r.type in (AKS, AKS_AGENT_POOL):
            yield judge(r, partial(_azure_profiles, r))
        elif r.type == AZURE_VMSS:
            yield judge(r, partial(_azure_vmss, r))
        else:
            continue
        judged += 1
    if not judged:
        yield Finding(None, not_applicable("the stack has no nodes or VMs"))


RULE = StackRule(
    id="MLP-021",
    name="no-public-ips-on-nodes",
    description="Nodes and batch VMs get no public IPs: no public addresses on launch templates, instance templates "
    "or scale sets, no node subnets that map public IPs, private GKE and AKS nodes.",
    severity="high",
    resource_types=frozenset(
        {AWS_LAUNCH_TEMPLATE, AWS_INSTANCE, AWS_ASG, AWS_SUBNET, EKS_NODE_GROUP, GCP_INSTANCE, GKE, GKE_NODE_POOL}
        | {AKS, AKS_AGENT_POOL, AZURE_VMSS}
        | GCP_TEMPLATES
    ),
    remediation=(
        "Launch nodes and VM groups with the components, which put them in private subnets with egress through NAT. "
        "Hand-written resources must not set associatePublicIpAddress, mapPublicIpOnLaunch (node subnets), "
        "accessConfigs, enableNodePublicIP or publicIPAddressConfiguration, and GKE pools need private nodes."
    ),
    equivalents=("CKV_AWS_88", "CKV_AWS_130", "CKV_GCP_40", "CKV_AZURE_143"),
    check=check,
)
