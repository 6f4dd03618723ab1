"""MLP-030: batch VMs outside Kubernetes cannot open arbitrary outbound connections.

The autoscaling group components implement blueprint `autoscalingGroups[].egress`: `web` (the
default) lets the VMs reach TCP 80 and 443 anywhere plus anything inside the platform network;
`all` is the named opt-out, unrestricted. This rule judges what the synthesized resources
actually do. "Anywhere" is a destination range wider than /8 (IPv4) or /16 (IPv6), as for
MLP-016 (`clusters.open_to_internet`), so 0.0.0.0/0 split into halves counts too; the VPC's or
the platform network's ranges are fine. Web traffic is TCP to port 80 or 443 exactly (a range
such as 80-443, or UDP 443, is not).

- AWS: every launch template an auto scaling group (`launchTemplate` or `mixedInstancesPolicy`)
  or an instance (`launchTemplate`) launches from. Its security groups (`vpcSecurityGroupIds`
  and `networkInterfaces[].securityGroups`, joined to `ec2.SecurityGroup` by property
  dependencies, else by id: the tail of the group's ARN) may have no egress rule other than TCP
  80 or 443 to anywhere; a protocol -1 rule or any other port range to anywhere fails. Inline
  `egress` rules count, and so do standalone `ec2.SecurityGroupRule` (`type: egress`) and
  `vpc.SecurityGroupEgressRule` resources (joined by `securityGroupId`, the same way). A
  template with no security group fails: its instances get the VPC's default group, which
  allows all outbound traffic. Groups that are not in the stack are not judged; auto scaling
  groups on launch configurations are not judged.
- GCP: every instance template (global or regional) that a managed instance group uses
  (`versions`). The EGRESS `compute.Firewall` rules of the stack that apply to its VMs (no
  targets, its service account `serviceAccount.email` in `targetServiceAccounts`, or one of its
  `tags` in `targetTags`; disabled rules ignored) must deny all protocols to 0.0.0.0/0 (a rule
  without `destinationRanges` means 0.0.0.0/0), and every allow rule to anywhere that takes
  precedence over that deny (a lower priority number; at equal priority the deny wins) may
  allow only TCP 80 and 443. The firewall rules' network is not compared with the template's:
  a stack has one platform network.
- Azure: every `compute.VirtualMachineScaleSet`, per NIC configuration. The network security
  group on the NIC (`networkSecurityGroup.id`, joined to `network.NetworkSecurityGroup` by id)
  or, failing that, the group of every subnet its IP configurations use (`network.Subnet` or a
  virtual network's inline subnet, by id) must deny outbound `*` protocol to `*`, `Internet` or
  0.0.0.0/0 on every port (from `*`, `VirtualNetwork` or 0.0.0.0/0), and every outbound allow
  rule to `*`, `Internet` or a range wider than /8 that takes precedence (a lower priority
  number) may allow only TCP 80 and 443. Rules come from the group's `securityRules` and from
  standalone `network.SecurityRule` resources (joined by `networkSecurityGroupName`). Azure's
  default rules (65000 and up) allow internet egress: without a deny of our own it is open. A
  NIC whose group is not in the stack is not judged.

Values not known during preview (a service account email, a group's id, a rule's ranges) make
the verdict on that template or scale set unknown, never a failure.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from typing import Any

from mlp_policies.clusters import open_to_internet
from mlp_policies.resources import Resource, Stack, aws_index
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.values import Unknown, as_bool, as_number, fmt, get, is_sentinel, known, known_strings, strings

AWS_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AWS_ASG = "aws:autoscaling/group:Group"
AWS_INSTANCE = "aws:ec2/instance:Instance"
AWS_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
AWS_SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
AWS_SG_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
GCP_TEMPLATES = frozenset(
    {"gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"}
)
GCP_MIGS = frozenset(
    {
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        "gcp:compute/instanceGroupManager:InstanceGroupManager",
    }
)
GCP_FIREWALL = "gcp:compute/firewall:Firewall"
AZURE_VMSS = "azure-native:compute:VirtualMachineScaleSet"
AZURE_NSG = "azure-native:network:NetworkSecurityGroup"
AZURE_SECURITY_RULE = "azure-native:network:SecurityRule"
AZURE_SUBNET = "azure-native:network:Subnet"
AZURE_VNET = "azure-native:network:VirtualNetwork"

WEB_PORTS = frozenset({80.0, 443.0})
WEB_PORT_NAMES = frozenset({"80", "443"})
TCP = frozenset({"tcp", "6"})
ALL_PROTOCOLS = frozenset({"-1", "all"})
ANYWHERE_V4 = "0.0.0.0/0"
GCP_DEFAULT_PRIORITY = 1000.0
AZURE_ANYWHERE = frozenset({"*", "internet", ANYWHERE_V4})  # lower-cased
AZURE_ANY_SOURCE = frozenset({"*", "virtualnetwork", ANYWHERE_V4})
AZURE_ALL_PORTS = frozenset({"*", "0-65535"})


def _wide(destinations: Iterable[str]) -> list[str]:
    """The destinations that mean (most of) the internet; service tags and names are not ranges."""
    return open_to_internet(d for d in destinations if _is_range(d))


def _is_range(value: str) -> bool:
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return True


# --- AWS --------------------------------------------------------------------------------------


def _aws_subjects(stack: Stack) -> list[Resource]:
    """The launch templates that auto scaling groups and instances launch from, in stack order."""
    templates = stack.of_type(AWS_LAUNCH_TEMPLATE)
    used: set[str] = set()
    for user in stack.of_type(AWS_ASG, AWS_INSTANCE):
        used.update(t.urn for t in stack.aws_references(user, ("launchTemplate", "mixedInstancesPolicy"), templates))
    return [t for t in templates if t.urn in used]


def _describe_aws(protocol: str, from_port: float | None, to_port: float | None) -> str:
    if protocol in ALL_PROTOCOLS:
        return "all outbound traffic"
    if protocol in ("tcp", "udp", "6", "17"):
        name = {"6": "tcp", "17": "udp"}.get(protocol, protocol)
        ports = fmt(from_port) if from_port == to_port else f"{fmt(from_port)}-{fmt(to_port)}"
        return f"outbound {name} {ports}"
    return f"outbound {protocol} traffic"


# Where an egress rule keeps its protocol and destinations: inline rules and SecurityGroupRule
# spell them one way, SecurityGroupEgressRule another (both use fromPort/toPort).
RuleFields = tuple[str, tuple[str, ...]]
INLINE: RuleFields = ("protocol", ("cidrBlocks", "ipv6CidrBlocks"))
RULE_FIELDS: dict[str, RuleFields] = {AWS_SG_RULE: INLINE, AWS_SG_EGRESS_RULE: ("ipProtocol", ("cidrIpv4", "cidrIpv6"))}


def _aws_rule_problem(r: Resource, path: tuple[str | int, ...], fields: RuleFields) -> str | None:
    """What one egress rule (at `path` in `r`) opens to the internet, if anything."""
    protocol_key, destination_keys = fields
    protocol = str(r.get(*path, protocol_key, default="-1")).lower()
    from_port = as_number(r.get(*path, "fromPort"))
    to_port = as_number(r.get(*path, "toPort"))
    if protocol in TCP and from_port == to_port and from_port in WEB_PORTS:
        return None
    wide = _wide(d for key in destination_keys for d in strings(r.get(*path, key, default=[])))
    if not wide:
        return None
    return f"allows {_describe_aws(protocol, from_port, to_port)} to {', '.join(wide)}"


def _aws_group_problems(group: Resource, rules: list[Resource]) -> list[str]:
    problems = []
    egress = group.props.get("egress")
    if is_sentinel(egress):
        raise Unknown("egress")
    for i in range(len(egress) if isinstance(egress, list) else 0):
        problem = _aws_rule_problem(group, ("egress", i), INLINE)
        if problem:
            problems.append(f"security group {group.name} {problem}")
    for rule in rules:
        if rule.type == AWS_SG_RULE and str(rule.get("type")) != "egress":
            continue
        problem = _aws_rule_problem(rule, (), RULE_FIELDS[rule.type])
        if problem:
            problems.append(f"security group {group.name} {problem} (rule {rule.name})")
    return problems


def _aws_template(
    stack: Stack, template: Resource, groups: list[Resource], rules: Mapping[str, list[Resource]]
) -> Outcome:
    props = ("vpcSecurityGroupIds", "networkInterfaces")
    attached = stack.aws_references(template, props, groups)
    ids = {i for i in known_strings([template.props.get(p) for p in props]) if i.startswith("sg-")}
    outside = sorted(ids - set(aws_index(attached)))
    if not attached and not outside:
        for prop in props:  # a group id still being computed, without property dependencies
            known(template.props.get(prop), prop)
        return fail(
            f"launch template {template.name}: no security group attached, so its instances get the VPC's default "
            "security group, which allows all outbound traffic"
        )
    problems = [p for group in attached for p in _aws_group_problems(group, rules[group.urn])]
    if problems:
        return fail(*(f"launch template {template.name}: {p}" for p in problems))
    if outside:
        return not_applicable(f"security groups {', '.join(outside)} of {template.name} are not in the stack")
    return PASS


def _aws_standalone_rules(stack: Stack, groups: list[Resource]) -> dict[str, list[Resource]]:
    out: dict[str, list[Resource]] = {g.urn: [] for g in groups}
    for rule in stack.of_type(AWS_SG_RULE, AWS_SG_EGRESS_RULE):
        for group in stack.aws_references(rule, ("securityGroupId",), groups):
            out[group.urn].append(rule)
    return out


# --- GCP --------------------------------------------------------------------------------------


def _gcp_subjects(stack: Stack) -> list[Resource]:
    templates = stack.of_type(GCP_TEMPLATES)
    used = {t.urn for mig in stack.of_type(GCP_MIGS) for t in stack.references(mig, "versions", templates)}
    return [t for t in templates if t.urn in used]


def _gcp_applies(firewall: Resource, email: str | None, tags: set[str]) -> bool:
    if str(firewall.get("direction", default="INGRESS")).upper() != "EGRESS":
        return False
    if as_bool(firewall.get("disabled")) is True:
        return False
    accounts = strings(firewall.get("targetServiceAccounts", default=[]))
    target_tags = strings(firewall.get("targetTags", default=[]))
    if not accounts and not target_tags:
        return True  # network-wide
    return (email is not None and email in accounts) or bool(tags & set(target_tags))


def _priority(r: Resource, default: float) -> float:
    found = as_number(r.get("priority"))
    return default if found is None else found


def _gcp_denies_all(firewall: Resource) -> bool:
    denies = [d for d in firewall.get("denies", default=[]) if isinstance(d, Mapping)]
    if not any(str(d.get("protocol", "")).lower() == "all" and not d.get("ports") for d in denies):
        return False
    ranges = strings(firewall.get("destinationRanges", default=[]))
    return not ranges or ANYWHERE_V4 in ranges


def _gcp_open(firewall: Resource) -> list[str]:
    """What an allow rule lets out beyond TCP 80/443, to anywhere."""
    opened = []
    for allow in [a for a in firewall.get("allows", default=[]) if isinstance(a, Mapping)]:
        protocol = str(allow.get("protocol", "")).lower()
        ports = strings(allow.get("ports"))
        if protocol in TCP and ports and set(ports) <= WEB_PORT_NAMES:
            continue
        if protocol == "all":
            opened.append("all outbound traffic")
        else:
            opened.append(f"outbound {protocol} {','.join(ports)}" if ports else f"all outbound {protocol} traffic")
    if not opened:
        return []
    wide = _wide(strings(firewall.get("destinationRanges", default=[])) or [ANYWHERE_V4])
    return [f"{what} to {', '.join(wide)}" for what in opened] if wide else []


def _gcp_template(template: Resource, firewalls: list[Resource]) -> Outcome:
    email = template.get("serviceAccount", "email")
    tags = set(strings(template.get("tags", default=[])))
    applying = [f for f in firewalls if _gcp_applies(f, email, tags)]
    denies = [_priority(f, GCP_DEFAULT_PRIORITY) for f in applying if _gcp_denies_all(f)]
    whose = f"service account {email}" if email else "its VMs"
    if not denies:
        return fail(
            f"instance template {template.name}: no egress firewall rule denies all traffic to 0.0.0.0/0 for "
            f"{whose}, so GCP's implied allow-all egress rule lets every outbound connection out"
        )
    deny = min(denies)
    messages = [
        f"instance template {template.name}: firewall rule {f.name} (priority {fmt(_priority(f, GCP_DEFAULT_PRIORITY))}"
        f", ahead of the deny at {fmt(deny)}) allows {what}"
        for f in applying
        if f.get("allows") and _priority(f, GCP_DEFAULT_PRIORITY) < deny
        for what in _gcp_open(f)
    ]
    return fail(*messages) if messages else PASS


# --- Azure ------------------------------------------------------------------------------------


def _azure_list(rule: Mapping[str, Any], single: str, several: str) -> list[str]:
    return [s for s in [*strings(rule.get(single)), *strings(rule.get(several))] if s]


AZURE_RULE_FIELDS = (
    "direction",
    "access",
    "protocol",
    "priority",
    "sourceAddressPrefix",
    "sourceAddressPrefixes",
    "destinationAddressPrefix",
    "destinationAddressPrefixes",
    "destinationPortRange",
    "destinationPortRanges",
)


def _azure_rules(nsg: Resource, standalone: list[Resource]) -> list[Mapping[str, Any]]:
    """The group's inline rules and its standalone SecurityRule resources (the fields read)."""
    inline = [r for r in nsg.get("securityRules", default=[]) if isinstance(r, Mapping)]
    separate = [
        {"name": r.props.get("securityRuleName") or r.name, **{k: r.get(k) for k in AZURE_RULE_FIELDS}}
        for r in standalone
    ]
    return [*inline, *separate]


def _outbound(rule: Mapping[str, Any], access: str) -> bool:
    return (
        str(rule.get("direction", "")).lower() == "outbound" and str(rule.get("access", "")).lower() == access.lower()
    )


def _azure_denies_all(rule: Mapping[str, Any]) -> bool:
    if not _outbound(rule, "Deny") or str(rule.get("protocol", "")) != "*":
        return False
    sources = _azure_list(rule, "sourceAddressPrefix", "sourceAddressPrefixes")
    destinations = _azure_list(rule, "destinationAddressPrefix", "destinationAddressPrefixes")
    ports = _azure_list(rule, "destinationPortRange", "destinationPortRanges")
    return (
        (not sources or any(s.lower() in AZURE_ANY_SOURCE for s in sources))
        and any(d.lower() in AZURE_ANYWHERE for d in destinations)
        and any(p in AZURE_ALL_PORTS for p in ports)
    )


def _azure_open(rule: Mapping[str, Any]) -> str | None:
    """What an outbound allow rule lets out beyond TCP 80/443 to the internet, if anything."""
    protocol = str(rule.get("protocol", "*"))
    ports = _azure_list(rule, "destinationPortRange", "destinationPortRanges")
    if protocol.lower() == "tcp" and ports and set(ports) <= WEB_PORT_NAMES:
        return None
    destinations = _azure_list(rule, "destinationAddressPrefix", "destinationAddressPrefixes") or ["*"]
    wide = [d for d in destinations if d.lower() in AZURE_ANYWHERE] + _wide(
        d for d in destinations if d.lower() not in AZURE_ANYWHERE
    )
    if not wide:
        return None
    if protocol == "*" and (not ports or any(p in AZURE_ALL_PORTS for p in ports)):
        what = "all outbound traffic"
    else:
        what = f"outbound {protocol} {','.join(ports) or '*'}"
    return f"{what} to {', '.join(wide)}"


def _azure_problems(nsg: Resource, standalone: list[Resource]) -> list[str]:
    """Why `nsg` does not restrict egress to the web (empty: it does)."""
    rules = _azure_rules(nsg, standalone)
    denies = [p for r in rules if _azure_denies_all(r) and (p := as_number(r.get("priority"))) is not None]
    if not denies:
        return ["allows all outbound traffic to the internet (no outbound rule denies * to * or Internet)"]
    deny = min(denies)
    return [
        f"allows {what} (rule {r.get('name')}, priority {fmt(priority)}, ahead of the deny at {fmt(deny)})"
        for r in rules
        if _outbound(r, "Allow") and (priority := as_number(r.get("priority"))) is not None and priority < deny
        if (what := _azure_open(r))
    ]


def _azure_subnet_groups(stack: Stack) -> dict[str, str]:
    """Subnet id -> the id of its network security group, from subnets and inline VNet subnets."""
    out: dict[str, str] = {}
    inline = [s for v in stack.of_type(AZURE_VNET) for s in v.props.get("subnets") or [] if isinstance(s, Mapping)]
    for subnet in [s.props for s in stack.of_type(AZURE_SUBNET)] + inline:
        subnet_id, nsg = subnet.get("id"), subnet.get("networkSecurityGroup")
        nsg_id = nsg.get("id") if isinstance(nsg, Mapping) else None
        if isinstance(subnet_id, str) and isinstance(nsg_id, str) and not is_sentinel(subnet_id):
            out[subnet_id.lower()] = nsg_id
    return out


def _azure_vmss(
    vmss: Resource, groups: dict[str, Resource], rules: Mapping[str, list[Resource]], subnets: Mapping[str, str]
) -> Outcome:
    profile = ("virtualMachineProfile", "networkProfile", "networkInterfaceConfigurations")
    nics = [n for n in vmss.get(*profile, default=[]) if isinstance(n, Mapping)]
    messages: list[str] = []
    outside: list[str] = []

    def group(nsg_id: str) -> Resource | None:
        return groups.get(known(nsg_id, "networkSecurityGroup.id").lower())

    for i, nic in enumerate(nics):
        name = str(nic.get("name") or f"#{i}")
        own_id = get(nic, "networkSecurityGroup", "id")
        own = group(own_id) if own_id else None
        own_problems = _azure_problems(own, rules[own.urn]) if own is not None else []
        if own is not None and not own_problems:
            continue
        subnet_groups = []
        for ip in [c for c in nic.get("ipConfigurations") or [] if isinstance(c, Mapping)]:
            nsg_id = subnets.get(str(get(ip, "subnet", "id", default="")).lower())
            subnet_groups.append(group(nsg_id) if nsg_id else None)
        if subnet_groups and all(g is not None and not _azure_problems(g, rules[g.urn]) for g in subnet_groups):
            continue  # the subnet's group blocks what the NIC's lets through (traffic must pass both)
        if own is not None:
            messages += [f"scale set {vmss.name}: network security group {own.name} {p}" for p in own_problems]
        elif own_id:
            outside.append(f"network security group {str(own_id).rsplit('/', 1)[-1]} of NIC {name}")
        else:
            subnet = next((g for g in subnet_groups if g is not None), None)
            where = (
                f"its subnet's group {subnet.name} {'; '.join(_azure_problems(subnet, rules[subnet.urn]))}"
                if subnet is not None
                else "its subnet has no network security group in the stack"
            )
            messages.append(f"scale set {vmss.name}: NIC {name} has no network security group of its own, and {where}")
    if messages:
        return fail(*messages)
    if outside:
        return not_applicable(f"{', '.join(outside)} of {vmss.name} not in the stack")
    return PASS


# --- the rule ---------------------------------------------------------------------------------


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    aws_groups = stack.of_type(AWS_SECURITY_GROUP)
    aws_rules = _aws_standalone_rules(stack, aws_groups)
    firewalls = stack.of_type(GCP_FIREWALL)
    nsgs = stack.of_type(AZURE_NSG)
    nsg_rules = stack.attached(nsgs, [AZURE_SECURITY_RULE], "networkSecurityGroupName")
    nsg_by_id = {str(n.props["id"]).lower(): n for n in nsgs if isinstance(n.props.get("id"), str)}
    subnets = _azure_subnet_groups(stack)
    subjects = 0
    for template in _aws_subjects(stack):
        subjects += 1
        yield judge(template, partial(_aws_template, stack, template, aws_groups, aws_rules))
    for template in _gcp_subjects(stack):
        subjects += 1
        yield judge(template, partial(_gcp_template, template, firewalls))
    for vmss in stack.of_type(AZURE_VMSS):
        subjects += 1
        yield judge(vmss, partial(_azure_vmss, vmss, nsg_by_id, nsg_rules, subnets))
    if not subjects:
        yield Finding(None, not_applicable("the stack has no VM groups outside Kubernetes"))


RULE = StackRule(
    id="MLP-030",
    name="vm-egress-restricted",
    description="Batch VMs outside Kubernetes reach the internet only over TCP 80 and 443 (plus anything inside "
    "the platform network): security groups of AWS launch templates, GCP egress firewall rules, Azure NIC "
    "network security groups.",
    severity="medium",
    enforcement="advisory",  # mandatory in prod (config/prod.json)
    resource_types=frozenset(
        {AWS_LAUNCH_TEMPLATE, AWS_ASG, AWS_INSTANCE, AWS_SECURITY_GROUP, AWS_SG_RULE, AWS_SG_EGRESS_RULE}
        | {GCP_FIREWALL, AZURE_VMSS, AZURE_NSG, AZURE_SECURITY_RULE, AZURE_SUBNET, AZURE_VNET}
        | GCP_TEMPLATES
        | GCP_MIGS
    ),
    remediation=(
        "Create VM groups with the autoscaling group component and egress: web (the default): TCP 80 and 443 to "
        "anywhere, anything inside the platform network, everything else denied. A group that really needs "
        "arbitrary egress (egress: all) must be suppressed with an mlplat-suppress: vm-egress-restricted tag and an "
        "mlplat-suppress-reason on its launch template, instance template or scale set (blueprint tags suppress it "
        "stack-wide)."
    ),
    equivalents=("CKV_AWS_382",),
    check=check,
)
