"""MLP-027 classified-data-logged-and-cmk-encrypted on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.compliance.classified_data_logged_and_cmk_encrypted import RULE

from tests.policies.data.fixtures import (
    BLOB_LOGS,
    aws_encryption,
    aws_logging,
    azure_blob_diagnostics,
    azure_blob_service,
    classified_aws_stack,
    classified_gcp_stack,
    classified_gcp_usage_logs_stack,
    gcp_audit_config,
    prod_account,
    prod_bucket,
    prod_gcs_bucket,
)
from tests.policies.shapes import DELETE, U_OBJECT, U_STRING, aws_bucket, changed, env_config, stack_verdict

PROD = env_config("prod", RULE)  # no waiver: the Azure components log blob access
STRICT = {**PROD, "waiveAccessLoggingOn": []}
WAIVED = {**PROD, "waiveAccessLoggingOn": ["azure"]}  # what the waiver option still allows
DATA = prod_bucket()
ACCOUNT = prod_account()
SERVICE = azure_blob_service(ACCOUNT)
NO_CMK = "but is not encrypted with a customer-managed key"


def not_logged(what: str, why: str, level: str = "confidential") -> str:
    return f"{what} holds {level} data but does not log access: {why}"


def no_cmk(what: str, level: str = "confidential") -> str:
    return f"{what} holds {level} data {NO_CMK}"


S3_GAP = "no server access logging (BucketLogging)"
GCS_GAP = (
    "no Data Access audit logs for storage.googleapis.com (DATA_READ and DATA_WRITE, no exempted members) "
    "and no usage logs (logging.logBucket)"
)
BLOB_GAP = "no diagnostic setting logs StorageRead, StorageWrite and StorageDelete on its blob service"

CASES: dict[str, tuple[list[Any], dict[str, Any], set[tuple[str | None, str]]]] = {
    "pass_aws_logged_and_kms_log_target_sse_s3": (classified_aws_stack(), PROD, set()),
    "pass_aws_internal_data_needs_neither": (
        [aws_bucket(), aws_encryption(aws_bucket(), kms=False)],
        PROD,
        set(),
    ),
    "fail_aws_confidential_bucket_not_logged": (
        [DATA, aws_encryption(DATA)],
        PROD,
        {("datasets-bucket", not_logged("Bucket datasets-bucket", S3_GAP))},
    ),
    "fail_aws_confidential_bucket_sse_s3": (
        [DATA, aws_encryption(DATA, kms=False), aws_logging(DATA, prod_bucket("access-logs", purpose="logs"))],
        PROD,
        {("datasets-bucket", no_cmk("Bucket datasets-bucket"))},
    ),
    "fail_aws_logs_bucket_nothing_logs_into_gets_no_exemption": (
        [
            prod_bucket("access-logs", purpose="logs"),
            aws_encryption(prod_bucket("access-logs", purpose="logs"), kms=False),
        ],
        PROD,
        {
            ("access-logs-bucket", no_cmk("Bucket access-logs-bucket")),
            ("access-logs-bucket", not_logged("Bucket access-logs-bucket", S3_GAP)),
        },
    ),
    "fail_aws_restricted_kms_without_key_id": (
        [
            changed(DATA, {"tags.data-classification": "restricted"}),
            changed(aws_encryption(DATA), {"rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId": DELETE}),
            aws_logging(DATA, prod_bucket("access-logs", purpose="logs")),
            aws_encryption(prod_bucket("access-logs", purpose="logs"), kms=False),
            prod_bucket("access-logs", purpose="logs"),
        ],
        PROD,
        {("datasets-bucket", no_cmk("Bucket datasets-bucket", "restricted"))},
    ),
    "pass_gcp_default_data_access_audit_logs_and_cmek": (classified_gcp_stack(), PROD, set()),
    "pass_gcp_opt_in_usage_logs_and_cmek": (classified_gcp_usage_logs_stack(), PROD, set()),
    "pass_gcp_all_services_audited": (
        [prod_gcs_bucket(), gcp_audit_config("DATA_READ", "DATA_WRITE", service="allServices")],
        PROD,
        set(),
    ),
    "fail_gcp_audit_logs_for_another_service_only": (
        [prod_gcs_bucket(), gcp_audit_config("DATA_READ", "DATA_WRITE", service="bigquery.googleapis.com")],
        PROD,
        {("datasets-bucket", not_logged("Bucket datasets-bucket", GCS_GAP))},
    ),
    "fail_gcp_reads_of_exempted_members_are_not_logged": (
        [
            prod_gcs_bucket(),
            changed(
                gcp_audit_config("DATA_READ", "DATA_WRITE"),
                {"auditLogConfigs[0].exemptedMembers": ["serviceAccount:etl@my-ml-project.iam.gserviceaccount.com"]},
            ),
        ],
        PROD,
        {("datasets-bucket", not_logged("Bucket datasets-bucket", GCS_GAP))},
    ),
    "pass_gcp_data_access_audit_logs": (
        [prod_gcs_bucket(), gcp_audit_config("DATA_READ", "DATA_WRITE", "ADMIN_READ")],
        PROD,
        set(),
    ),
    "fail_gcp_write_audit_only_and_google_managed_key": (
        [changed(prod_gcs_bucket(), {"encryption": DELETE}), gcp_audit_config("DATA_WRITE")],
        PROD,
        {
            ("datasets-bucket", not_logged("Bucket datasets-bucket", GCS_GAP)),
            ("datasets-bucket", no_cmk("Bucket datasets-bucket")),
        },
    ),
    "pass_azure_blob_diagnostics_and_key_vault_key": (
        [ACCOUNT, SERVICE, azure_blob_diagnostics(ACCOUNT, *BLOB_LOGS)],
        STRICT,
        set(),
    ),
    "pass_azure_access_logging_waived_by_config": ([ACCOUNT, SERVICE], WAIVED, set()),
    "fail_azure_no_blob_diagnostics": (
        [ACCOUNT, SERVICE, azure_blob_diagnostics(ACCOUNT, "StorageWrite", "StorageDelete")],
        STRICT,
        {("datasets-account", not_logged("StorageAccount datasets-account", BLOB_GAP))},
    ),
    "fail_azure_microsoft_managed_key_even_when_logging_is_waived": (
        [changed(ACCOUNT, {"encryption.keySource": "Microsoft.Storage", "encryption.keyVaultProperties": DELETE})],
        WAIVED,
        {("datasets-account", no_cmk("StorageAccount datasets-account"))},
    ),
}


@pytest.mark.parametrize(("resources", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], config: dict[str, Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, config)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_a_blob_category_group_counts_as_access_logging() -> None:
    setting = changed(azure_blob_diagnostics(ACCOUNT), {"logs": [{"categoryGroup": "audit", "enabled": True}]})
    assert stack_verdict(RULE, [ACCOUNT, SERVICE, setting], STRICT)[1] == set()


def test_a_setting_on_the_account_itself_does_not_log_blob_access() -> None:
    setting = changed(azure_blob_diagnostics(ACCOUNT, *BLOB_LOGS), {"resourceUri": ACCOUNT.props["id"]})
    _, failures, _ = stack_verdict(RULE, [ACCOUNT, SERVICE, setting], STRICT)
    assert failures == {("datasets-account", not_logged("StorageAccount datasets-account", BLOB_GAP))}


def test_classifications_are_configurable() -> None:
    internal = [aws_bucket(), aws_encryption(aws_bucket(), kms=False)]
    _, failures, _ = stack_verdict(RULE, internal, {**PROD, "classifications": ["internal"]})
    assert failures == {
        ("datasets-bucket", not_logged("Bucket datasets-bucket", S3_GAP, "internal")),
        ("datasets-bucket", no_cmk("Bucket datasets-bucket", "internal")),
    }


def test_no_buckets_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], PROD) == ({"not-applicable"}, set(), set())


def test_unknown_tags_are_not_a_failure() -> None:
    statuses, failures, unknowns = stack_verdict(RULE, [changed(DATA, {"tags": U_OBJECT})], PROD)
    assert (statuses, failures, unknowns) == ({"unknown"}, set(), {"datasets-bucket"})


def test_unknown_audit_config_service_is_unknown_not_a_failure() -> None:
    statuses, failures, unknowns = stack_verdict(
        RULE, [prod_gcs_bucket(), changed(gcp_audit_config("DATA_READ", "DATA_WRITE"), {"service": U_STRING})], PROD
    )
    assert (failures, unknowns) == (set(), {"datasets-bucket"})
    assert "unknown" in statuses
