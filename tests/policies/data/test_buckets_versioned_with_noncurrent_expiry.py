"""MLP-023 buckets-versioned-with-noncurrent-expiry on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.data.buckets_versioned_with_noncurrent_expiry import RULE

from tests.policies.data.fixtures import aws_versioning, azure_blob_service
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

PROD = env_config("prod", RULE)  # previous versions kept at most 365 days
BUCKET = aws_bucket()
LIFECYCLE = aws_lifecycle(BUCKET)
VERSIONING = aws_versioning(BUCKET)
ACCOUNT = azure_account()
SERVICE = azure_blob_service(ACCOUNT)
POLICY = azure_management_policy(ACCOUNT)
NEVER = "previous versions never expire"

CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_versioned_with_noncurrent_expiry": ([BUCKET, VERSIONING, LIFECYCLE], set()),
    "pass_aws_legacy_inline_versioning_and_rule": (
        [
            changed(
                BUCKET,
                {
                    "versioning": {"enabled": True},
                    "lifecycleRules": [{"enabled": True, "noncurrentVersionExpiration": {"days": 30}}],
                },
            )
        ],
        set(),
    ),
    "fail_aws_versioning_suspended": (
        [BUCKET, aws_versioning(BUCKET, "Suspended"), LIFECYCLE],
        {("datasets-bucket", "bucket datasets-bucket is not versioned (Suspended)")},
    ),
    "fail_aws_no_versioning_no_lifecycle": (
        [BUCKET],
        {
            ("datasets-bucket", "bucket datasets-bucket is not versioned (no versioning configuration)"),
            ("datasets-bucket", f"bucket datasets-bucket: {NEVER}"),
        },
    ),
    "fail_aws_noncurrent_expiry_in_a_disabled_rule": (
        [BUCKET, VERSIONING, changed(LIFECYCLE, {"rules[0].status": "Disabled"})],
        {("datasets-bucket", f"bucket datasets-bucket: {NEVER}")},
    ),
    "fail_aws_noncurrent_kept_ten_years": (
        [BUCKET, VERSIONING, changed(LIFECYCLE, {"rules[0].noncurrentVersionExpiration.noncurrentDays": 3650.0})],
        {("datasets-bucket", "bucket datasets-bucket: previous versions expire after 3650 days (at most 365)")},
    ),
    "pass_gcp_versioned_with_noncurrent_delete": ([gcp_bucket()], set()),
    "pass_gcp_archived_age_rule": (
        [changed(gcp_bucket(), {"lifecycleRules[1].condition": {"age": 60, "withState": "ARCHIVED"}})],
        set(),
    ),
    "pass_gcp_num_newer_versions": (
        [changed(gcp_bucket(), {"lifecycleRules[1].condition": {"numNewerVersions": 3}})],
        set(),
    ),
    "fail_gcp_unversioned_and_no_noncurrent_rule": (
        [
            changed(
                gcp_bucket(),
                {"versioning": {"enabled": False}, "lifecycleRules": [gcp_bucket().props["lifecycleRules"][0]]},
            )
        ],
        {
            ("datasets-bucket", "bucket datasets-bucket is not versioned"),
            ("datasets-bucket", f"bucket datasets-bucket: {NEVER}"),
        },
    ),
    "fail_gcp_live_objects_delete_only": (
        [changed(gcp_bucket(), {"lifecycleRules[1].condition": {"age": 365, "withState": "LIVE"}})],
        {("datasets-bucket", f"bucket datasets-bucket: {NEVER}")},
    ),
    "pass_azure_versioning_soft_delete_and_version_expiry": ([ACCOUNT, SERVICE, POLICY], set()),
    "fail_azure_versioning_off": (
        [ACCOUNT, azure_blob_service(ACCOUNT, versioning=False), POLICY],
        {("datasets-account", "storage account datasets-account does not version blobs")},
    ),
    "fail_azure_soft_delete_off": (
        [ACCOUNT, azure_blob_service(ACCOUNT, soft_delete=False), POLICY],
        {("datasets-account", "storage account datasets-account has no blob soft delete")},
    ),
    "fail_azure_no_blob_service_no_version_delete": (
        [ACCOUNT, changed(POLICY, {"policy.rules[0].definition.actions.version": DELETE})],
        {
            (
                "datasets-account",
                "storage account datasets-account has no blob service properties: blob versioning and soft delete "
                "are off",
            ),
            ("datasets-account", f"storage account datasets-account: {NEVER}"),
        },
    ),
    "fail_azure_version_delete_in_a_disabled_rule": (
        [ACCOUNT, SERVICE, changed(POLICY, {"policy.rules[0].enabled": False})],
        {("datasets-account", f"storage account datasets-account: {NEVER}")},
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, PROD)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_the_limit_is_configurable() -> None:
    resources = [BUCKET, VERSIONING, LIFECYCLE]  # 30 days
    _, failures, _ = stack_verdict(RULE, resources, {"maxNoncurrentDays": 7})
    assert failures == {
        ("datasets-bucket", "bucket datasets-bucket: previous versions expire after 30 days (at most 7)")
    }


def test_no_buckets_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], PROD) == ({"not-applicable"}, set(), set())


@pytest.mark.parametrize(
    "resources",
    [
        [BUCKET, changed(VERSIONING, {"versioningConfiguration.status": U_STRING}), LIFECYCLE],
        [changed(gcp_bucket(), {"lifecycleRules": U_ARRAY})],
        [ACCOUNT, changed(SERVICE, {"isVersioningEnabled": U_STRING}), POLICY],
    ],
    ids=["aws", "gcp", "azure"],
)
def test_unknown_values_are_not_a_failure(resources: list[Any]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, PROD)
    assert (statuses, failures) == ({"unknown"}, set())
    assert len(unknowns) == 1
