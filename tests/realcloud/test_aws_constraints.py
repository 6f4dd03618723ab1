"""What the AWS APIs require on the first `pulumi up` (and the next ones) that mocks and typed
Args cannot see, asserted over every AWS case: the shipped stacks and every generated preset,
region and environment (tests/realcloud/conftest.py). One test per constraint; each docstring
names its source."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from blueprint.catalog import Cloud
from blueprint.engine.model import ResourceRecord
from components.aws.node_group_size import DESIRED_SIZE, POOL_LABEL, SYSTEM_POOL, scaling
from tests.realcloud.conftest import Case

KEY = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SERVICE_LINKED_ROLE = "aws:iam/serviceLinkedRole:ServiceLinkedRole"
ADDON = "aws:eks/addon:Addon"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"
VPC = "aws:ec2/vpc:Vpc"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


@pytest.fixture(scope="module")
def cases(realcloud_cases: Callable[[Cloud], list[Case]]) -> list[Case]:
    return realcloud_cases("aws")


def _deps(r: ResourceRecord) -> set[str]:
    return set(r.dependencies) | {u for urns in r.property_dependencies.values() for u in urns}


def _principals(statement: dict[str, Any]) -> list[str]:
    aws = statement.get("Principal", {}).get("AWS", [])
    return [aws] if isinstance(aws, str) else list(aws)


def _role_by_arn(case: Case) -> dict[str, ResourceRecord]:
    return {r.outputs["arn"]: r for r in case.of_type(ROLE)}


def _policies_of(case: Case, role: ResourceRecord) -> list[dict[str, Any]]:
    name = role.outputs["name"]
    return [json.loads(p.inputs["policy"]) for p in case.of_type(ROLE_POLICY) if p.inputs["role"] == name]


def _attached(case: Case, role: ResourceRecord) -> set[str]:
    return {a.inputs["policyArn"] for a in case.of_type(ATTACHMENT) if a.inputs["role"] == role.outputs["name"]}


def _allows(policies: list[dict[str, Any]], action: str, resource: str) -> bool:
    for doc in policies:
        for stmt in doc["Statement"]:
            actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
            resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
            if stmt["Effect"] == "Allow" and action in actions and resource in resources:
                return True
    return False


def _addon(case: Case, name: str) -> ResourceRecord:
    (addon,) = [a for a in case.of_type(ADDON) if a.inputs["addonName"] == name]
    return addon


def test_every_kms_key_policy_principal_exists_before_the_key(cases: list[Case]) -> None:
    """KMS refuses a key policy naming a principal that does not exist ("Policy contains a
    statement with one or more invalid principals"), and AWSServiceRoleForAutoScaling exists
    only after the account's first Auto Scaling group: terraform-aws-modules/terraform-aws-eks
    #3013, particuleio/teks#92, https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html.
    Every AWS principal is the account root, or created by the stack with the key depending on it
    (under the mocks the account is fresh: no service-linked role yet)."""
    for case in cases:
        (key,) = case.of_type(KEY)
        account = key.outputs["arn"].split(":")[4]
        created = {r.outputs["arn"]: r.urn for r in case.of_type(ROLE) + case.of_type(SERVICE_LINKED_ROLE)}
        for stmt in json.loads(key.inputs["policy"])["Statement"]:
            for principal in _principals(stmt):
                if principal == f"arn:aws:iam::{account}:root":
                    continue
                assert principal in created, f"{case.name}: {stmt['Sid']} names {principal}, not created by the stack"
                assert created[principal] in _deps(key), f"{case.name}: the key does not wait for {principal}"
        slrs = case.of_type(SERVICE_LINKED_ROLE)
        assert [s.inputs["awsServiceName"] for s in slrs] == ["autoscaling.amazonaws.com"], case.name
        # Never deleted with the stack: other groups in the account use it.
        assert all(s.retain_on_delete for s in slrs), case.name


def test_ebs_csi_addon_has_a_pod_identity_role_that_can_use_the_key(cases: list[Case]) -> None:
    """EKS installs no storage driver, so no PersistentVolumeClaim binds without the EBS CSI
    add-on (https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html); its controller
    needs AmazonEBSCSIDriverPolicy and, for volumes under a customer managed key, grants and
    data keys on that key (https://docs.aws.amazon.com/eks/latest/userguide/csi-iam-role.html),
    given through the add-on's Pod Identity association
    (https://docs.aws.amazon.com/eks/latest/userguide/update-addon-role.html), which needs the
    Pod Identity agent first."""
    for case in cases:
        addon = _addon(case, "aws-ebs-csi-driver")
        (assoc,) = addon.inputs["podIdentityAssociations"]
        assert assoc["serviceAccount"] == "ebs-csi-controller-sa", case.name
        role = _role_by_arn(case)[assoc["roleArn"]]
        assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"]["Service"] == [
            "pods.eks.amazonaws.com"
        ], case.name
        assert "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" in _attached(case, role), case.name
        (key,) = case.of_type(KEY)
        policies = _policies_of(case, role)
        for action in ("kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"):
            assert _allows(policies, action, key.outputs["arn"]), f"{case.name}: {action}"
        assert _addon(case, "eks-pod-identity-agent").urn in _deps(addon), case.name


def test_vpc_cni_gets_its_permissions_through_pod_identity_not_the_node_role(cases: list[Case]) -> None:
    """EKS recommends the VPC CNI's permissions on its own role through the add-on's Pod
    Identity association rather than the node role
    (https://docs.aws.amazon.com/eks/latest/userguide/add-ons-iam.html,
    https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html):
    the node role then has no AmazonEKS_CNI_Policy, and every node group waits for the add-on
    and the agent, since aws-node needs its credentials before a node becomes Ready."""
    for case in cases:
        cni = _addon(case, "vpc-cni")
        (assoc,) = cni.inputs["podIdentityAssociations"]
        assert assoc["serviceAccount"] == "aws-node", case.name
        role = _role_by_arn(case)[assoc["roleArn"]]
        assert _attached(case, role) == {"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"}, case.name
        node_roles = {g.inputs["nodeRoleArn"] for g in case.of_type(NODE_GROUP)}
        for arn in node_roles:
            assert "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" not in _attached(case, _role_by_arn(case)[arn])
        agent = _addon(case, "eks-pod-identity-agent")
        for group in case.of_type(NODE_GROUP):
            assert {cni.urn, agent.urn} <= _deps(group), f"{case.name}: {group.name}"


def test_vm_groups_use_a_concrete_launch_template_version(cases: list[Case]) -> None:
    """The provider starts an instance refresh when the group's launch template changes, but
    never for version "$Latest" (pulumi_aws autoscaling.Group, instance_refresh: "A refresh
    will not start when version = "$Latest" is configured"): the version is the template's
    latest_version."""
    for case in cases:
        templates = {t.id: t for t in case.of_type(LAUNCH_TEMPLATE)}
        for group in case.of_type(ASG):
            spec = group.inputs["mixedInstancesPolicy"]["launchTemplate"]["launchTemplateSpecification"]
            template = templates[spec["launchTemplateId"]]
            assert spec["version"] == str(template.outputs["latestVersion"]), f"{case.name}: {group.name}"
            assert "instanceRefresh" in group.inputs, case.name


def test_vm_groups_scale_by_cpu_only_from_one_instance(cases: list[Case]) -> None:
    """A target tracking policy on ASGAverageCPUUtilization has no data from an empty group,
    so it never scales it out (the metric is the group's average CPU:
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html):
    every group with CPU tracking has a minimum of at least one."""
    for case in cases:
        for group in case.of_type(ASG):
            assert group.inputs["minSize"] >= 1, f"{case.name}: {group.name}"


def test_pods_cannot_reach_node_metadata_unless_the_blueprint_opts_out(cases: list[Case]) -> None:
    """EKS best practices (security, "Restrict access to the instance profile assigned to the
    worker node"): hop limit 1 keeps ordinary pods away from the node role's credentials
    (https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html);
    Pod Identity needs no IMDS. Every node group and VM group launch template, prod always (no
    shipped or generated stack opts out)."""
    for case in cases:
        expected = 2 if case.blueprint.aws_pods_reach_node_metadata else 1
        if case.blueprint.is_prod:
            assert expected == 1, case.name
        templates = case.of_type(LAUNCH_TEMPLATE)
        assert len(templates) == len(case.of_type(NODE_GROUP)) + len(case.of_type(ASG)), case.name
        for template in templates:
            options = template.inputs["metadataOptions"]
            assert options["httpTokens"] == "required", case.name
            assert options["httpPutResponseHopLimit"] == expected, f"{case.name}: {template.name}"


def test_the_default_security_group_of_a_created_vpc_is_managed_empty(cases: list[Case]) -> None:
    """Every VPC's default security group allows all traffic among its members and all egress
    (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html); CIS AWS
    Foundations 5.4 wants it to allow nothing. Only a VPC the stack creates is managed."""
    for case in cases:
        vpcs = case.of_type(VPC)
        groups = case.of_type(DEFAULT_SG)
        assert len(groups) == len(vpcs), case.name
        for vpc, group in zip(vpcs, groups, strict=True):
            assert group.inputs["vpcId"] == vpc.id, case.name
            assert group.inputs.get("ingress", []) == [] and group.inputs.get("egress", []) == [], case.name


def test_a_new_minimum_above_the_current_size_moves_the_desired_size(cases: list[Case]) -> None:
    """EKS refuses an update whose minimum exceeds the node group's current desired size
    ("Minimum capacity N can't be greater than desired size M"), and with the desired size
    ignored (the autoscaler owns it) Pulumi sends the stale one: hashicorp/terraform-provider-aws
    #18310, terraform-aws-modules/terraform-aws-eks#2508 and #1568. For every node group of
    every case: created at its minimum with the size left to the autoscaler; against any live
    size, the update keeps the size within the new bounds, and stops ignoring it exactly when
    it has to move."""
    for case in cases:
        bounds = {p.name: (p.min_nodes, p.max_nodes) for p in case.blueprint.gpu_pools}
        system = case.blueprint.cluster.system_pool
        bounds[SYSTEM_POOL] = (system.min_nodes, system.max_nodes)
        groups = case.of_type(NODE_GROUP)
        assert len(groups) == len(bounds), case.name
        for group in groups:
            low, high = bounds[group.inputs["labels"][POOL_LABEL]]
            config = group.inputs["scalingConfig"]
            assert (config["minSize"], config["maxSize"], config["desiredSize"]) == (low, high, low), case.name
            assert DESIRED_SIZE in group.ignore_changes, case.name
            for live in range(0, high + 3):
                s = scaling(low, high, live)
                assert low <= s.desired_size <= high, (case.name, live)
                assert s.ignore_desired_size == (low <= live <= high), (case.name, live)
                assert s.desired_size == (live if s.ignore_desired_size else (low if live < low else high))
