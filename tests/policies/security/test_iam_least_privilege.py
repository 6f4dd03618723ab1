"""MLP-022 iam-least-privilege on fixture properties of all three clouds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mlp_policies.security.iam_least_privilege import RULE, azure_forbidden_roles, is_read

from components.azure import roles
from tests.policies.security.security_shapes import (
    KEY_POLICY_ADMIN,
    aws_kms_key,
    aws_role_policy,
    azure_role_assignment,
    doc,
    gcp_iam_member,
    trainer_statements,
)
from tests.policies.shapes import U_STRING, changed, env_config, res, verdict

PROD = env_config("prod", RULE)
TRAINER = aws_role_policy("trainer-checkpoints-readwrite", *trainer_statements())
RP = "RolePolicy wide"
ADMIN_ATTACHMENT = res(
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "ci-admin",
    {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess", "role": "ci-role-1"},
)


def wide(**statement: Any) -> Any:
    return aws_role_policy("wide", {"Effect": "Allow", "Sid": "Wide", **statement})


def azure_role_definition(name: str, data_actions: list[str], actions: list[str] | None = None) -> Any:
    group = "/subscriptions/s/resourceGroups/rg"
    return res(
        "azure-native:authorization:RoleDefinition",
        name,
        {
            "scope": group,
            "roleName": name,
            "permissions": [
                {"actions": actions or [], "notActions": [], "dataActions": data_actions, "notDataActions": []}
            ],
            "assignableScopes": [group],
        },
    )


CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_aws_scoped_trainer_policy": (TRAINER, set()),
    "pass_aws_reads_on_every_resource": (wide(Action=["ec2:DescribeInstances", "s3:Get*"], Resource="*"), set()),
    "pass_aws_unscopable_write_allowed_by_config": (wide(Action="cloudwatch:PutMetricData", Resource="*"), set()),
    "pass_aws_deny_with_wildcards": (
        aws_role_policy("guard", {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"x": "y"}}}),
        set(),
    ),
    "pass_aws_ssm_managed_policy_attachment": (
        changed(ADMIN_ATTACHMENT, {"policyArn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}),
        set(),
    ),
    "fail_aws_star_star": (
        wide(Action="*", Resource="*"),
        {f"{RP} statement 'Wide' allows every action on every resource (*:*)"},
    ),
    "fail_aws_star_action_on_a_bucket": (
        wide(Action=["s3:GetObject", "*"], Resource="arn:aws:s3:::models/*"),
        {f"{RP} statement 'Wide' allows wildcard actions: *"},
    ),
    "fail_aws_service_wildcard": (
        wide(Action="s3:*", Resource="arn:aws:s3:::models/*"),
        {f"{RP} statement 'Wide' allows wildcard actions: s3:*"},
    ),
    "fail_aws_write_on_every_resource": (
        wide(Action=["s3:GetObject", "s3:PutObject", "iam:PassRole"], Resource="*"),
        {f"{RP} statement 'Wide' allows write actions on every resource (\"*\"): s3:PutObject, iam:PassRole"},
    ),
    "fail_aws_not_action": (
        wide(NotAction="iam:*", Resource="*"),
        {f"{RP} statement 'Wide' allows every action except iam:* (NotAction)"},
    ),
    "fail_aws_write_with_not_resource": (
        wide(Action="s3:DeleteObject", NotResource="arn:aws:s3:::audit/*"),
        {f"{RP} statement 'Wide' allows write actions on every resource (NotResource): s3:DeleteObject"},
    ),
    "fail_aws_inline_policy_on_a_role": (
        res(
            "aws:iam/role:Role",
            "ci",
            {
                "assumeRolePolicy": doc(
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}
                ),
                "inlinePolicies": [
                    {"name": "admin", "policy": doc({"Effect": "Allow", "Action": "*", "Resource": "*"})}
                ],
                "managedPolicyArns": ["arn:aws:iam::aws:policy/PowerUserAccess"],
            },
        ),
        {
            "Role ci admin statement 0 allows every action on every resource (*:*)",
            "Role ci attaches the AWS managed policy PowerUserAccess",
        },
    ),
    "fail_aws_administrator_access_attachment": (
        ADMIN_ATTACHMENT,
        {"RolePolicyAttachment ci-admin attaches the AWS managed policy AdministratorAccess"},
    ),
    "pass_gcp_predefined_role": (gcp_iam_member("nodes-logging-logWriter", "roles/logging.logWriter"), set()),
    "fail_gcp_editor": (
        gcp_iam_member("ci-editor", "roles/editor", member="serviceAccount:ci@ml-platform-dev.iam.gserviceaccount.com"),
        {
            "IAMMember ci-editor grants the basic role roles/editor to "
            "serviceAccount:ci@ml-platform-dev.iam.gserviceaccount.com"
        },
    ),
    "fail_gcp_owner_binding_on_a_bucket": (
        res(
            "gcp:storage/bucketIAMBinding:BucketIAMBinding",
            "datasets-owners",
            {"bucket": "datasets", "role": "roles/owner", "members": ["group:ml@example.com"]},
        ),
        {"BucketIAMBinding datasets-owners grants the basic role roles/owner to group:ml@example.com"},
    ),
    "fail_gcp_viewer_in_project_policy": (
        res(
            "gcp:projects/iAMPolicy:IAMPolicy",
            "project-policy",
            {
                "project": "ml-platform-dev",
                "policyData": json.dumps({"bindings": [{"role": "roles/viewer", "members": ["user:a@example.com"]}]}),
            },
        ),
        {"IAMPolicy project-policy grants the basic role roles/viewer to user:a@example.com"},
    ),
    "pass_azure_storage_blob_data_reader": (
        azure_role_assignment("trainer-datasets-read", roles.STORAGE_BLOB_DATA_READER.guid),
        set(),
    ),
    "fail_azure_contributor": (
        azure_role_assignment("ci-contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c", scope="/subscriptions/s"),
        {
            "RoleAssignment ci-contributor assigns the Contributor role at /subscriptions/s: use a narrower built-in "
            "role"
        },
    ),
    "fail_azure_owner": (
        azure_role_assignment("ci-owner", "8E3AF657-A8FF-443C-A75C-2FE8C4BCB635", scope="/subscriptions/s"),
        {"RoleAssignment ci-owner assigns the Owner role at /subscriptions/s: use a narrower built-in role"},
    ),
    "pass_azure_key_use_role": (
        azure_role_definition("platform-key-decrypt", list(roles.KEY_USE_DATA_ACTIONS["encrypt-decrypt"])),
        set(),
    ),
    "fail_azure_custom_role_updates_the_key": (
        azure_role_definition(
            "app-crypto",
            ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/update/action"],
        ),
        {
            "RoleDefinition app-crypto permissions[0].dataActions manages keys: "
            "Microsoft.KeyVault/vaults/keys/update/action"
        },
    ),
    "fail_azure_custom_role_wildcards": (
        azure_role_definition("ops", ["Microsoft.KeyVault/vaults/keys/*"], actions=["*/read"]),
        {
            "RoleDefinition ops permissions[0].actions has the wildcard */read",
            "RoleDefinition ops permissions[0].dataActions has the wildcard Microsoft.KeyVault/vaults/keys/*",
        },
    ),
}


@pytest.mark.parametrize(("subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, PROD)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_kms_key_policies_are_not_read() -> None:
    # "Resource": "*" in a key policy means "this key"; kms:* for the account root is how it works.
    key = changed(aws_kms_key(), {"policy": doc(KEY_POLICY_ADMIN, {"Effect": "Allow", "Action": "*", "Resource": "*"})})
    assert verdict(RULE, key, PROD)[0] == "not-applicable"


def test_azure_roles_are_the_ones_the_components_refuse() -> None:
    assert set(azure_forbidden_roles().values()) == set(roles.FORBIDDEN.values())
    assert {"Owner", "Contributor", "User Access Administrator"} <= set(roles.FORBIDDEN.values())


def test_read_actions() -> None:
    assert [
        is_read(a) for a in ("s3:GetObject", "ec2:Describe*", "s3:List*", "s3:PutObject", "s3:*Object", "kms:Decrypt")
    ] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_unknown_document_is_not_a_failure() -> None:
    assert verdict(RULE, changed(TRAINER, {"policy": U_STRING}), PROD) == ("unknown", set())


def test_unknown_role_permissions_are_not_a_failure() -> None:
    role = azure_role_definition("platform-key-decrypt", ["Microsoft.KeyVault/vaults/keys/read"])
    assert verdict(RULE, changed(role, {"permissions": [{"dataActions": U_STRING}]}), PROD) == ("unknown", set())
