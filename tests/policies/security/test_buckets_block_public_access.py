"""MLP-012 buckets-block-public-access on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.security.buckets_block_public_access import RULE

from tests.policies.security.security_shapes import aws_public_access_block
from tests.policies.shapes import (
    DELETE,
    U_BOOL,
    aws_bucket,
    azure_account,
    changed,
    env_config,
    gcp_bucket,
    res,
    stack_verdict,
)

DEV = env_config("dev", RULE)
BUCKET = aws_bucket()
BLOCK = aws_public_access_block(BUCKET)
ACCOUNT_BLOCK = res(
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    "account-public-access",
    {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True},
)

CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_all_four_flags": ([BUCKET, BLOCK], set()),
    "pass_aws_account_level_block": ([BUCKET, ACCOUNT_BLOCK], set()),
    "fail_aws_no_public_access_block": (
        [BUCKET],
        {("datasets-bucket", "bucket datasets-bucket has no public access block")},
    ),
    "fail_aws_two_flags_off": (
        [BUCKET, changed(BLOCK, {"blockPublicPolicy": False, "restrictPublicBuckets": DELETE})],
        {
            (
                "datasets-bucket",
                "bucket datasets-bucket: the public access block does not set blockPublicPolicy, restrictPublicBuckets",
            )
        },
    ),
    "fail_aws_account_block_incomplete": (
        [BUCKET, changed(ACCOUNT_BLOCK, {"ignorePublicAcls": False})],
        {("datasets-bucket", "bucket datasets-bucket has no public access block")},
    ),
    "pass_gcp_enforced_and_uniform": ([gcp_bucket()], set()),
    "fail_gcp_inherited_prevention_and_acls": (
        [changed(gcp_bucket(), {"publicAccessPrevention": "inherited", "uniformBucketLevelAccess": False})],
        {
            ("datasets-bucket", "bucket datasets-bucket: publicAccessPrevention is inherited, not enforced"),
            (
                "datasets-bucket",
                "bucket datasets-bucket: uniformBucketLevelAccess is off (object ACLs can grant allUsers)",
            ),
        },
    ),
    "fail_gcp_prevention_unset": (
        [changed(gcp_bucket(), {"publicAccessPrevention": DELETE})],
        {("datasets-bucket", "bucket datasets-bucket: publicAccessPrevention is inherited, not enforced")},
    ),
    "pass_azure_no_public_blobs_no_shared_keys": ([azure_account()], set()),
    "fail_azure_public_blobs_and_shared_keys_unset": (
        [changed(azure_account(), {"allowBlobPublicAccess": True, "allowSharedKeyAccess": DELETE})],
        {
            (
                "datasets-account",
                "storage account datasets-account: allowBlobPublicAccess is not false (anonymous containers)",
            ),
            (
                "datasets-account",
                "storage account datasets-account: allowSharedKeyAccess is not false (account keys and SAS bypass "
                "Entra ID)",
            ),
        },
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, DEV)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_no_buckets_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], DEV) == ({"not-applicable"}, set(), set())


def test_unknown_flags_are_not_a_failure() -> None:
    resources = [
        BUCKET,
        changed(BLOCK, {"blockPublicAcls": U_BOOL}),
        changed(azure_account(), {"allowSharedKeyAccess": U_BOOL}),
    ]
    assert stack_verdict(RULE, resources, DEV) == ({"unknown"}, set(), {"datasets-bucket", "datasets-account"})
