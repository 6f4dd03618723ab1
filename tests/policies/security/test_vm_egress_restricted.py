"""MLP-030 vm-egress-restricted on fixture properties of all three clouds, and its level:
advisory by default and outside prod, mandatory in prod."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mlp_policies.resources import Resource, Stack
from mlp_policies.security.vm_egress_restricted import RULE

from tests.policies.security.security_shapes import (
    BATCH_SA,
    BATCH_SG_ID,
    NODE_NSG_ID,
    WEB_EGRESS,
    WEB_NSG_RULES,
    aws_batch_group,
    aws_batch_launch_template,
    aws_batch_security_group,
    azure_batch_nsg,
    azure_batch_vmss,
    azure_batch_vmss_with_nsg,
    azure_node_subnet,
    azure_nsg,
    gcp_batch_group,
    gcp_batch_template,
    gcp_egress_firewall,
    nsg_rule,
    sg_egress,
)
from tests.policies.shapes import (
    CONFIG_DIR,
    DELETE,
    U_NUMBER,
    U_STRING,
    aws_asg,
    aws_launch_template,
    changed,
    env_config,
    gcp_instance_template,
    linked,
    res,
    stack_verdict,
)

PROD = env_config("prod", RULE)
AWS_ALL = sg_egress("-1", 0.0, 0.0, "0.0.0.0/0")
LT = "launch template batch-cpu-lt"
TEMPLATE = "instance template batch-cpu-template"
VMSS = "scale set batch-cpu-vmss"
NIC = "virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0]"
LT_ARN = "arn:aws:ec2:eu-west-1:123456789012:launch-template/lt-50ee2c6c234c48fb4"
NO_AZURE_DENY = "allows all outbound traffic to the internet (no outbound rule denies * to * or Internet)"
ALLOW_ALL = [{"protocol": "all"}]
OTHER_SA = "mlp-gcp-dev-vm-other@ml-platform-dev.iam.gserviceaccount.com"


def aws_open(*egress: dict[str, Any]) -> list[Resource]:
    return aws_batch_group(aws_batch_security_group([*WEB_EGRESS, *egress]))


def aws_standalone(type_: str, props: dict[str, Any], *, by_dependency: bool) -> Resource:
    rule = res(type_, "batch-cpu-open", {"securityGroupId": BATCH_SG_ID, **props})
    return linked(rule, securityGroupId=aws_batch_security_group()) if by_dependency else rule


def aws_by_id() -> list[Resource]:
    """The group joined by value only: the template's security group id and the ASG's template id."""
    template = changed(aws_batch_launch_template(), {"arn": LT_ARN})
    return [aws_batch_security_group(), template, aws_asg()]


def aws_unlinked(template: Resource) -> list[Resource]:
    """The group with a template that names its security groups by value only."""
    return [aws_batch_security_group(), template, linked(aws_asg(), mixedInstancesPolicy=template)]


def aws_without_groups() -> list[Resource]:
    template = changed(aws_batch_launch_template(), {"networkInterfaces[0].securityGroups": DELETE})
    return [template, linked(aws_asg(), mixedInstancesPolicy=template)]


def aws_instance_of(group: Resource) -> list[Resource]:
    template = linked(aws_batch_launch_template(), networkInterfaces=group)
    instance = res("aws:ec2/instance:Instance", "batch-cpu-vm", {"instanceType": "c6i.large"})
    return [group, template, linked(instance, launchTemplate=template)]


def gcp_with(*extra: Resource, without: str = "", template: Resource | None = None) -> list[Resource]:
    """The batch group without the firewall rule of role `without`, plus `extra` rules."""
    return [r for r in gcp_batch_group(template) if r.name != f"batch-cpu-{without}"] + list(extra)


def network_wide(firewall: Resource) -> Resource:
    return changed(firewall, {"targetServiceAccounts": DELETE})


def azure_group(rules: list[dict[str, Any]]) -> list[Resource]:
    nsg = azure_batch_nsg(rules)
    return [nsg, azure_batch_vmss_with_nsg(nsg)]


CASES: dict[str, tuple[list[Resource], set[tuple[str | None, str]]]] = {
    # AWS: the launch template's security groups
    "pass_aws_web_egress_as_the_component_ships_it": (aws_batch_group(), set()),
    "pass_aws_joined_by_ids": (aws_by_id(), set()),
    "fail_aws_joined_by_ids": (
        [aws_batch_security_group([AWS_ALL]), *aws_by_id()[1:]],
        {("batch-cpu-lt", f"{LT}: security group batch-cpu-sg allows all outbound traffic to 0.0.0.0/0")},
    ),
    "pass_aws_standalone_ingress_rule_is_not_egress": (
        [
            *aws_batch_group(),
            aws_standalone(
                "aws:ec2/securityGroupRule:SecurityGroupRule",
                {"type": "ingress", "protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]},
                by_dependency=True,
            ),
        ],
        set(),
    ),
    "fail_aws_all_traffic_to_anywhere": (
        aws_batch_group(aws_batch_security_group([AWS_ALL])),
        {("batch-cpu-lt", f"{LT}: security group batch-cpu-sg allows all outbound traffic to 0.0.0.0/0")},
    ),
    "fail_aws_port_range_and_udp_to_anywhere": (
        aws_open(sg_egress("tcp", 0.0, 65535.0, "0.0.0.0/0"), sg_egress("udp", 443.0, 443.0, "0.0.0.0/0")),
        {
            ("batch-cpu-lt", f"{LT}: security group batch-cpu-sg allows outbound tcp 0-65535 to 0.0.0.0/0"),
            ("batch-cpu-lt", f"{LT}: security group batch-cpu-sg allows outbound udp 443 to 0.0.0.0/0"),
        },
    ),
    "fail_aws_ipv6_and_split_halves": (
        aws_open(
            {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "ipv6CidrBlocks": ["::/0"]},
            sg_egress("-1", 0.0, 0.0, "0.0.0.0/1", "128.0.0.0/1"),
        ),
        {
            ("batch-cpu-lt", f"{LT}: security group batch-cpu-sg allows outbound tcp 22 to ::/0"),
            (
                "batch-cpu-lt",
                f"{LT}: security group batch-cpu-sg allows all outbound traffic to 0.0.0.0/1, 128.0.0.0/1",
            ),
        },
    ),
    "fail_aws_standalone_egress_rule": (
        [
            *aws_batch_group(),
            aws_standalone(
                "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
                {"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"},
                by_dependency=True,
            ),
        ],
        {
            (
                "batch-cpu-lt",
                f"{LT}: security group batch-cpu-sg allows all outbound traffic to 0.0.0.0/0 (rule batch-cpu-open)",
            )
        },
    ),
    "fail_aws_standalone_security_group_rule_by_id": (
        [
            *aws_batch_group(),
            aws_standalone(
                "aws:ec2/securityGroupRule:SecurityGroupRule",
                {
                    "type": "egress",
                    "protocol": "tcp",
                    "fromPort": 8000.0,
                    "toPort": 9000.0,
                    "cidrBlocks": ["0.0.0.0/0"],
                },
                by_dependency=False,
            ),
        ],
        {
            (
                "batch-cpu-lt",
                f"{LT}: security group batch-cpu-sg allows outbound tcp 8000-9000 to 0.0.0.0/0 (rule batch-cpu-open)",
            )
        },
    ),
    "fail_aws_no_security_group_means_the_default_one": (
        aws_without_groups(),
        {
            (
                "batch-cpu-lt",
                f"{LT}: no security group attached, so its instances get the VPC's default security group, which "
                "allows all outbound traffic",
            )
        },
    ),
    "fail_aws_instance_from_the_template": (
        aws_instance_of(aws_batch_security_group([AWS_ALL])),
        {("batch-cpu-lt", f"{LT}: security group batch-cpu-sg allows all outbound traffic to 0.0.0.0/0")},
    ),
    # GCP: the egress firewall rules for the template's service account
    "pass_gcp_web_egress_as_the_component_ships_it": (gcp_batch_group(), set()),
    "pass_gcp_network_wide_deny": (
        gcp_with(network_wide(gcp_egress_firewall("egress-deny", 65000.0, [])), without="egress-deny"),
        set(),
    ),
    "pass_gcp_allow_all_behind_the_deny": (
        gcp_with(gcp_egress_firewall("allow-late", 65500.0, ["0.0.0.0/0"], allows=ALLOW_ALL)),
        set(),
    ),
    "pass_gcp_disabled_allow_rule": (
        gcp_with(changed(gcp_egress_firewall("allow-all", 900.0, ["0.0.0.0/0"], allows=ALLOW_ALL), {"disabled": True})),
        set(),
    ),
    "fail_gcp_without_the_deny": (
        gcp_with(without="egress-deny"),
        {
            (
                "batch-cpu-template",
                f"{TEMPLATE}: no egress firewall rule denies all traffic to 0.0.0.0/0 for service account {BATCH_SA}, "
                "so GCP's implied allow-all egress rule lets every outbound connection out",
            )
        },
    ),
    "fail_gcp_deny_for_another_account": (
        gcp_with(
            changed(gcp_egress_firewall("egress-deny", 65000.0, ["0.0.0.0/0"]), {"targetServiceAccounts": [OTHER_SA]}),
            without="egress-deny",
        ),
        {
            (
                "batch-cpu-template",
                f"{TEMPLATE}: no egress firewall rule denies all traffic to 0.0.0.0/0 for service account {BATCH_SA}, "
                "so GCP's implied allow-all egress rule lets every outbound connection out",
            )
        },
    ),
    "fail_gcp_network_wide_allow_all_ahead_of_the_deny": (
        gcp_with(network_wide(gcp_egress_firewall("allow-all", 900.0, ["0.0.0.0/0"], allows=ALLOW_ALL))),
        {
            (
                "batch-cpu-template",
                f"{TEMPLATE}: firewall rule batch-cpu-allow-all (priority 900, ahead of the deny at 65000) allows all "
                "outbound traffic to 0.0.0.0/0",
            )
        },
    ),
    "fail_gcp_tagged_allow_of_other_ports": (
        gcp_with(
            changed(
                gcp_egress_firewall("allow-ssh", 1000.0, [], allows=[{"protocol": "tcp", "ports": ["22", "443"]}]),
                {"targetServiceAccounts": DELETE, "targetTags": ["batch"]},
            ),
            template=changed(gcp_batch_template(), {"tags": ["batch"]}),
        ),
        {
            (
                "batch-cpu-template",
                f"{TEMPLATE}: firewall rule batch-cpu-allow-ssh (priority 1000, ahead of the deny at 65000) allows "
                "outbound tcp 22,443 to 0.0.0.0/0",
            )
        },
    ),
    # Azure: the NIC's network security group, else the subnet's
    "pass_azure_web_egress_as_the_component_ships_it": (azure_group(WEB_NSG_RULES), set()),
    "pass_azure_allow_all_behind_the_deny": (
        azure_group([*WEB_NSG_RULES, nsg_rule("allow-late", 4097.0, "Allow", "*", "*")]),
        set(),
    ),
    "pass_azure_subnet_group_restricts_a_nic_without_one": (
        [azure_nsg("network-nsg", NODE_NSG_ID, WEB_NSG_RULES), azure_node_subnet(), azure_batch_vmss()],
        set(),
    ),
    "fail_azure_without_the_deny": (
        [*azure_group(WEB_NSG_RULES[:2]), azure_nsg("network-nsg", NODE_NSG_ID, []), azure_node_subnet()],
        {("batch-cpu-vmss", f"{VMSS}: network security group batch-cpu-nsg {NO_AZURE_DENY}")},
    ),
    "fail_azure_allows_ahead_of_the_deny": (
        azure_group(
            [
                *WEB_NSG_RULES,
                nsg_rule("allow-any-out", 300.0, "Allow", "*", "Internet"),
                nsg_rule("allow-dns-out", 120.0, "Allow", "Udp", "0.0.0.0/0", "53"),
            ]
        ),
        {
            (
                "batch-cpu-vmss",
                f"{VMSS}: network security group batch-cpu-nsg allows all outbound traffic to Internet (rule "
                "allow-any-out, priority 300, ahead of the deny at 4096)",
            ),
            (
                "batch-cpu-vmss",
                f"{VMSS}: network security group batch-cpu-nsg allows outbound Udp 53 to 0.0.0.0/0 (rule "
                "allow-dns-out, priority 120, ahead of the deny at 4096)",
            ),
        },
    ),
    "fail_azure_standalone_security_rule": (
        [
            *azure_group(WEB_NSG_RULES),
            linked(
                res(
                    "azure-native:network:SecurityRule",
                    "batch-cpu-open",
                    {
                        "networkSecurityGroupName": "batch-cpu-nsg-0a74d6c",
                        "securityRuleName": "open-out",
                        **{k: v for k, v in nsg_rule("", 150.0, "Allow", "Tcp", "*", "0-65535").items() if k != "name"},
                    },
                ),
                networkSecurityGroupName=azure_batch_nsg(),
            ),
        ],
        {
            (
                "batch-cpu-vmss",
                f"{VMSS}: network security group batch-cpu-nsg allows outbound Tcp 0-65535 to * (rule open-out, "
                "priority 150, ahead of the deny at 4096)",
            )
        },
    ),
    "fail_azure_nic_without_a_group_on_an_open_subnet": (
        [azure_nsg("network-nsg", NODE_NSG_ID, []), azure_node_subnet(), azure_batch_vmss()],
        {
            (
                "batch-cpu-vmss",
                f"{VMSS}: NIC batch-cpu-nic has no network security group of its own, and its subnet's group "
                f"network-nsg {NO_AZURE_DENY}",
            )
        },
    ),
    "fail_azure_nic_without_a_group_on_a_subnet_elsewhere": (
        [azure_batch_vmss()],
        {
            (
                "batch-cpu-vmss",
                f"{VMSS}: NIC batch-cpu-nic has no network security group of its own, and its subnet has no network "
                "security group in the stack",
            )
        },
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Resource], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, PROD)
    assert failures == expected
    assert unknowns == set()
    assert statuses == ({"fail"} if expected else {"pass"})


def test_advisory_by_default_and_outside_prod_mandatory_in_prod() -> None:
    assert RULE.enforcement == "advisory"
    levels = {
        env: json.loads((CONFIG_DIR / f"{env}.json").read_text())[RULE.name] for env in ("dev", "staging", "prod")
    }
    assert levels == {"dev": "advisory", "staging": "advisory", "prod": "mandatory"}


def test_property_dependencies_join_groups_whose_ids_are_not_known_yet() -> None:
    unknown_id = changed(aws_batch_launch_template(), {"networkInterfaces[0].securityGroups": [U_STRING]})
    opened = aws_batch_security_group([AWS_ALL])
    assert stack_verdict(RULE, aws_batch_group(template=unknown_id), PROD) == ({"pass"}, set(), set())
    statuses, failures, _ = stack_verdict(RULE, aws_batch_group(opened, unknown_id), PROD)
    assert (statuses, {m for _, m in failures}) == (
        {"fail"},
        {f"{LT}: security group batch-cpu-sg allows all outbound traffic to 0.0.0.0/0"},
    )
    assert stack_verdict(RULE, aws_unlinked(unknown_id), PROD) == ({"unknown"}, set(), {"batch-cpu-lt"})


def test_no_vm_groups_is_not_applicable() -> None:
    # Launch and instance templates no group uses (EKS node templates, say) are not VM groups.
    resources = [aws_launch_template(), aws_batch_security_group([AWS_ALL]), gcp_instance_template()]
    assert stack_verdict(RULE, resources, PROD) == ({"not-applicable"}, set(), set())
    assert stack_verdict(RULE, [], PROD) == ({"not-applicable"}, set(), set())


def test_security_groups_outside_the_stack_are_not_judged() -> None:
    template = changed(aws_batch_launch_template(), {"networkInterfaces[0].securityGroups": ["sg-0123456789abcdef0"]})
    aws = [template, linked(aws_asg(), mixedInstancesPolicy=template)]
    azure = [azure_batch_vmss_with_nsg()]  # its NIC's group (BATCH_NSG_ID) is not in the stack
    for resources in (aws, azure):
        assert stack_verdict(RULE, resources, PROD) == ({"not-applicable"}, set(), set())
    # not applicable for that reason, on the group's own template or scale set (not "no VM groups")
    reasons = {
        (f.subject.name if f.subject else None, f.outcome.reason)
        for r in (aws, azure)
        for f in RULE.evaluate(Stack(tuple(r)), PROD)
    }
    assert reasons == {
        ("batch-cpu-lt", "security groups sg-0123456789abcdef0 of batch-cpu-lt are not in the stack"),
        (
            "batch-cpu-vmss",
            "network security group batch-cpu-nsg-0a74d6c of NIC batch-cpu-nic of batch-cpu-vmss not in the stack",
        ),
    }


@pytest.mark.parametrize(
    ("resources", "subject"),
    [
        (aws_batch_group(aws_batch_security_group([sg_egress("-1", 0.0, 0.0, U_STRING)])), "batch-cpu-lt"),
        (aws_batch_group(aws_batch_security_group(U_STRING)), "batch-cpu-lt"),
        (aws_unlinked(changed(aws_batch_launch_template(), {"networkInterfaces": U_STRING})), "batch-cpu-lt"),
        (gcp_batch_group(changed(gcp_batch_template(), {"serviceAccount.email": U_STRING})), "batch-cpu-template"),
        (
            gcp_with(
                changed(
                    gcp_egress_firewall("egress-deny", 65000.0, ["0.0.0.0/0"]), {"targetServiceAccounts": U_STRING}
                ),
                without="egress-deny",
            ),
            "batch-cpu-template",
        ),
        (azure_group([*WEB_NSG_RULES[:2], {**WEB_NSG_RULES[2], "priority": U_NUMBER}]), "batch-cpu-vmss"),
        (
            [
                azure_batch_nsg(),
                changed(
                    azure_batch_vmss_with_nsg(),
                    {f"{NIC}.networkSecurityGroup.id": U_STRING},
                ),
            ],
            "batch-cpu-vmss",
        ),
    ],
    ids=["aws-cidr", "aws-egress", "aws-interfaces", "gcp-email", "gcp-targets", "azure-priority", "azure-nsg-id"],
)
def test_unknown_values_are_unknown_not_failures(resources: list[Resource], subject: str) -> None:
    assert stack_verdict(RULE, resources, PROD) == ({"unknown"}, set(), {subject})
