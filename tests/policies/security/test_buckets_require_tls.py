"""MLP-013 buckets-require-tls on fixture properties of AWS and Azure (GCS serves HTTPS only)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mlp_policies.security.buckets_require_tls import RULE

from tests.policies.security.security_shapes import aws_bucket_policy, doc
from tests.policies.shapes import (
    DELETE,
    U_STRING,
    aws_bucket,
    azure_account,
    changed,
    env_config,
    gcp_bucket,
    stack_verdict,
)

PROD = env_config("prod", RULE)
BUCKET = aws_bucket()
POLICY = aws_bucket_policy(BUCKET)
ARN = BUCKET.props["arn"]
NO_DENY = (
    "bucket datasets-bucket: no bucket policy statement denies s3:* to every principal when aws:SecureTransport is "
    "false"
)


def only_statement(**changes: Any) -> Any:
    """The bucket policy with just its DenyInsecureTransport statement, changed."""
    statement = {**json.loads(POLICY.props["policy"])["Statement"][0], **changes}
    return changed(POLICY, {"policy": doc(statement)})


CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_deny_insecure_transport": ([BUCKET, POLICY], set()),
    "pass_aws_parsed_document_with_aws_principal_and_list_condition": (
        [
            BUCKET,
            changed(
                POLICY,
                {
                    "policy": {
                        "Statement": {
                            "Effect": "Deny",
                            "Principal": {"AWS": "*"},
                            "Action": ["s3:*"],
                            "Resource": f"{ARN}/*",
                            "Condition": {"Bool": {"aws:securetransport": ["false"]}},
                        }
                    }
                },
            ),
        ],
        set(),
    ),
    "fail_aws_no_bucket_policy": (
        [BUCKET],
        {("datasets-bucket", "bucket datasets-bucket has no bucket policy denying requests without TLS")},
    ),
    "fail_aws_deny_only_outdated_tls": (
        [BUCKET, changed(POLICY, {"policy": doc(json.loads(POLICY.props["policy"])["Statement"][1])})],
        {("datasets-bucket", NO_DENY)},
    ),
    "fail_aws_deny_only_get_object": ([BUCKET, only_statement(Action="s3:GetObject")], {("datasets-bucket", NO_DENY)}),
    "fail_aws_allow_instead_of_deny": ([BUCKET, only_statement(Effect="Allow")], {("datasets-bucket", NO_DENY)}),
    "fail_aws_bucket_level_resource_only": ([BUCKET, only_statement(Resource=ARN)], {("datasets-bucket", NO_DENY)}),
    "pass_azure_https_only_tls12": ([azure_account()], set()),
    "pass_azure_https_default": ([changed(azure_account(), {"enableHttpsTrafficOnly": DELETE})], set()),
    "fail_azure_http_allowed": (
        [changed(azure_account(), {"enableHttpsTrafficOnly": False})],
        {("datasets-account", "storage account datasets-account accepts plain HTTP (enableHttpsTrafficOnly is false)")},
    ),
    "fail_azure_tls_1_0": (
        [changed(azure_account(), {"minimumTlsVersion": "TLS1_0"})],
        {("datasets-account", "storage account datasets-account: minimumTlsVersion is TLS1_0, below TLS1_2")},
    ),
    "fail_azure_tls_unset": (
        [changed(azure_account(), {"minimumTlsVersion": DELETE})],
        {("datasets-account", "storage account datasets-account: minimumTlsVersion is unset (TLS1_0), below TLS1_2")},
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, PROD)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_tls13_minimum_is_configurable() -> None:
    _, failures, _ = stack_verdict(RULE, [azure_account()], {"minimumTlsVersion": "TLS1_3"})
    assert failures == {
        ("datasets-account", "storage account datasets-account: minimumTlsVersion is TLS1_2, below TLS1_3")
    }


def test_gcs_buckets_are_not_read() -> None:
    assert not RULE.reads(gcp_bucket().type)
    assert stack_verdict(RULE, [gcp_bucket()], PROD) == ({"not-applicable"}, set(), set())


def test_unknown_policy_is_not_a_failure() -> None:
    resources = [BUCKET, changed(POLICY, {"policy": U_STRING})]
    assert stack_verdict(RULE, resources, PROD) == ({"unknown"}, set(), {"datasets-bucket"})
