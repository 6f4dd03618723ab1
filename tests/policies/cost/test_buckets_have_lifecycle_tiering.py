"""MLP-006 buckets-have-lifecycle-tiering on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.buckets_have_lifecycle_tiering import RULE
from mlp_policies.resources import Resource

from tests.policies.shapes import (
    DELETE,
    U_ARRAY,
    U_STRING,
    aws_bucket,
    aws_lifecycle,
    azure_account,
    azure_management_policy,
    changed,
    env_config,
    gcp_bucket,
    stack_verdict,
)

DEV = env_config("dev", RULE)
NO_TIERING = "no enabled lifecycle rule transitions objects to a cheaper storage class"
NO_ABORT = "no enabled lifecycle rule aborts incomplete multipart uploads"


def unlinked(resource: Resource) -> Resource:
    """As during a first preview: no property dependencies recorded, the bucket name unknown."""
    return Resource(
        type=resource.type, name=resource.name, props=resource.props, urn=resource.urn, parent=resource.parent
    )


BUCKET = aws_bucket()
OTHER = aws_bucket("models", purpose="models")
LIFECYCLE = aws_lifecycle(BUCKET)
ACCOUNT = azure_account()

CASES: dict[str, tuple[list[Any], dict[str, Any], set[tuple[str | None, str]]]] = {
    "pass_aws_bucket_with_lifecycle": ([BUCKET, LIFECYCLE], DEV, set()),
    "pass_aws_joined_by_name_without_dependencies": ([BUCKET, unlinked(LIFECYCLE)], DEV, set()),
    "pass_aws_joined_by_parent_while_name_unknown": (
        [changed(BUCKET, {"bucket": U_STRING}), changed(unlinked(LIFECYCLE), {"bucket": U_STRING})],
        DEV,
        set(),
    ),
    "pass_aws_legacy_inline_rules": (
        [
            changed(
                BUCKET,
                {
                    "lifecycleRules": [
                        {
                            "enabled": True,
                            "transitions": [{"days": 30, "storageClass": "STANDARD_IA"}],
                            "abortIncompleteMultipartUploadDays": 3,
                        }
                    ]
                },
            )
        ],
        DEV,
        set(),
    ),
    "fail_aws_bucket_without_lifecycle": (
        [BUCKET, OTHER, aws_lifecycle(OTHER)],
        DEV,
        {("datasets-bucket", "bucket datasets-bucket has no lifecycle configuration")},
    ),
    "fail_aws_expiry_only_rule": (
        [
            BUCKET,
            changed(
                LIFECYCLE,
                {
                    "rules[0].transitions": DELETE,
                    "rules[0].abortIncompleteMultipartUpload": DELETE,
                    "rules[0].expiration": {"days": 30},
                },
            ),
        ],
        DEV,
        {
            ("datasets-bucket", f"bucket datasets-bucket: {NO_TIERING}"),
            ("datasets-bucket", f"bucket datasets-bucket: {NO_ABORT}"),
        },
    ),
    "fail_aws_disabled_rule": (
        [BUCKET, changed(LIFECYCLE, {"rules[0].status": "Disabled"})],
        DEV,
        {
            ("datasets-bucket", f"bucket datasets-bucket: {NO_TIERING}"),
            ("datasets-bucket", f"bucket datasets-bucket: {NO_ABORT}"),
        },
    ),
    "fail_aws_abort_after_thirty_days": (
        [BUCKET, changed(LIFECYCLE, {"rules[0].abortIncompleteMultipartUpload.daysAfterInitiation": 30.0})],
        DEV,
        {("datasets-bucket", "bucket datasets-bucket aborts incomplete multipart uploads after 30 days (at most 7)")},
    ),
    "pass_gcp_set_storage_class_rule": ([gcp_bucket()], DEV, set()),
    "pass_gcp_autoclass": (
        [changed(gcp_bucket(), {"lifecycleRules": DELETE, "autoclass": {"enabled": True}})],
        DEV,
        set(),
    ),
    "fail_gcp_delete_only_rules": (
        [changed(gcp_bucket(), {"lifecycleRules": [{"action": {"type": "Delete"}, "condition": {"age": 365}}]})],
        DEV,
        {("datasets-bucket", "bucket datasets-bucket has no SetStorageClass lifecycle rule and no Autoclass")},
    ),
    "pass_azure_management_policy_tiers": ([ACCOUNT, azure_management_policy(ACCOUNT)], DEV, set()),
    "fail_azure_no_management_policy": (
        [ACCOUNT],
        DEV,
        {("datasets-account", "storage account datasets-account has no lifecycle management policy")},
    ),
    "fail_azure_policy_only_deletes_versions": (
        [ACCOUNT, changed(azure_management_policy(ACCOUNT), {"policy.rules[0].definition.actions.baseBlob": DELETE})],
        DEV,
        {
            (
                "datasets-account",
                "storage account datasets-account: no enabled management policy rule tiers blobs to cool, cold or "
                "archive",
            )
        },
    ),
    "fail_azure_rule_disabled": (
        [ACCOUNT, changed(azure_management_policy(ACCOUNT), {"policy.rules[0].enabled": False})],
        DEV,
        {
            (
                "datasets-account",
                "storage account datasets-account: no enabled management policy rule tiers blobs to cool, cold or "
                "archive",
            )
        },
    ),
}


@pytest.mark.parametrize(("resources", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], config: dict[str, Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, config)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_an_ambiguous_sibling_is_attached_to_no_bucket() -> None:
    # Two buckets under one parent and a lifecycle whose bucket is not known yet: no guessing.
    twin = Resource(type=OTHER.type, name=OTHER.name, props=OTHER.props, urn=OTHER.urn, parent=BUCKET.parent)
    lifecycle = changed(unlinked(LIFECYCLE), {"bucket": U_STRING})
    _, failures, _ = stack_verdict(RULE, [BUCKET, twin, lifecycle], DEV)
    assert failures == {
        ("datasets-bucket", "bucket datasets-bucket has no lifecycle configuration"),
        ("models-bucket", "bucket models-bucket has no lifecycle configuration"),
    }


def test_no_buckets_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], DEV) == ({"not-applicable"}, set(), set())


def test_unknown_rules_are_not_a_failure() -> None:
    statuses, failures, unknowns = stack_verdict(RULE, [BUCKET, changed(LIFECYCLE, {"rules": U_ARRAY})], DEV)
    assert (statuses, failures, unknowns) == ({"unknown"}, set(), {"datasets-bucket"})
