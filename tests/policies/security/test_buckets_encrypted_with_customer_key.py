"""MLP-011 buckets-encrypted-with-customer-key on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.security.buckets_encrypted_with_customer_key import RULE

from tests.policies.security.security_shapes import aws_bucket_logging, aws_encryption, azure_cmk_account
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
LOGS = aws_bucket("access-logs", purpose="logs")
NOT_CMK = "not SSE-KMS with a customer-managed key"


def with_access_logs(logs_encryption: Any) -> list[Any]:
    """The datasets bucket logging into the access-log bucket, as aws-prod does."""
    return [BUCKET, aws_encryption(BUCKET), LOGS, logs_encryption, aws_bucket_logging(BUCKET, LOGS)]


CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_sse_kms_with_platform_key": ([BUCKET, aws_encryption(BUCKET)], set()),
    "pass_aws_access_log_bucket_on_sse_s3": (
        with_access_logs(aws_encryption(LOGS, algorithm="AES256", key=None)),
        set(),
    ),
    "pass_aws_dsse_kms": ([BUCKET, aws_encryption(BUCKET, algorithm="aws:kms:dsse")], set()),
    "pass_aws_legacy_inline_configuration": (
        [
            changed(
                BUCKET,
                {
                    "serverSideEncryptionConfiguration": {
                        "rule": {
                            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "k"}
                        }
                    }
                },
            )
        ],
        set(),
    ),
    "fail_aws_no_encryption_configuration": (
        [BUCKET],
        {("datasets-bucket", "bucket datasets-bucket has no default encryption configuration")},
    ),
    "fail_aws_sse_s3": (
        [BUCKET, aws_encryption(BUCKET, algorithm="AES256", key=None)],
        {("datasets-bucket", f"bucket datasets-bucket is encrypted with AES256 (SSE-S3), {NOT_CMK}")},
    ),
    "fail_aws_aws_managed_key": (
        [BUCKET, aws_encryption(BUCKET, key=None)],
        {
            (
                "datasets-bucket",
                "bucket datasets-bucket uses SSE-KMS with the AWS managed key (aws/s3), not a customer key",
            )
        },
    ),
    "fail_aws_aws_managed_alias": (
        [BUCKET, aws_encryption(BUCKET, key="alias/aws/s3")],
        {
            (
                "datasets-bucket",
                "bucket datasets-bucket uses SSE-KMS with the AWS managed key (aws/s3), not a customer key",
            )
        },
    ),
    "fail_aws_logs_bucket_nothing_logs_into": (
        # Tagged logs but no BucketLogging targets it: no exemption.
        [LOGS, aws_encryption(LOGS, algorithm="AES256", key=None)],
        {("access-logs-bucket", f"bucket access-logs-bucket is encrypted with AES256 (SSE-S3), {NOT_CMK}")},
    ),
    "fail_aws_access_log_bucket_without_any_encryption": (
        [BUCKET, aws_encryption(BUCKET), LOGS, aws_bucket_logging(BUCKET, LOGS)],
        {("access-logs-bucket", "bucket access-logs-bucket has no default encryption configuration")},
    ),
    "pass_gcp_default_kms_key": ([gcp_bucket()], set()),
    "fail_gcp_google_managed_key": (
        [changed(gcp_bucket(), {"encryption": DELETE})],
        {("datasets-bucket", "bucket datasets-bucket has no default Cloud KMS key (encryption.defaultKmsKeyName)")},
    ),
    "pass_azure_key_vault_key": ([azure_cmk_account()], set()),
    "fail_azure_microsoft_managed_keys": (
        [azure_account()],
        {
            (
                "datasets-account",
                "storage account datasets-account is encrypted with Microsoft-managed keys (keySource "
                "Microsoft.Storage)",
            )
        },
    ),
    "fail_azure_key_vault_without_key_name": (
        [changed(azure_cmk_account(), {"encryption.keyVaultProperties": DELETE})],
        {
            (
                "datasets-account",
                "storage account datasets-account names no Key Vault key (encryption.keyVaultProperties.keyName)",
            )
        },
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, PROD)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_only_the_bucket_receiving_access_logs_is_exempt() -> None:
    models = aws_bucket("models", purpose="models")
    resources = [*with_access_logs(aws_encryption(LOGS, algorithm="AES256", key=None)), models]
    resources.append(aws_encryption(models, algorithm="AES256", key=None))
    _, failures, _ = stack_verdict(RULE, resources, PROD)
    assert failures == {("models-bucket", f"bucket models-bucket is encrypted with AES256 (SSE-S3), {NOT_CMK}")}


def test_no_buckets_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], PROD) == ({"not-applicable"}, set(), set())


def test_unknown_key_is_not_a_failure() -> None:
    resources = [BUCKET, aws_encryption(BUCKET, key=U_STRING), changed(gcp_bucket(), {"encryption": U_STRING})]
    assert stack_verdict(RULE, resources, PROD) == ({"unknown"}, set(), {"datasets-bucket"})
