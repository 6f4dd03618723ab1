"""MLP-025 key-deletion-window-at-maximum on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.data.key_deletion_window_at_maximum import RULE

from tests.policies.data.fixtures import aws_kms_key, azure_vault, gcp_crypto_key
from tests.policies.shapes import DELETE, U_NUMBER, U_STRING, changed, env_config, res, verdict

PROD = env_config("prod", RULE)
VAULT = "Vault platform-vault"

CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_aws_thirty_day_window": (aws_kms_key(), set()),
    "pass_aws_unset_window_is_thirty_days": (changed(aws_kms_key(), {"deletionWindowInDays": DELETE}), set()),
    "pass_aws_replica_key": (
        res("aws:kms/replicaKey:ReplicaKey", "replica", {"primaryKeyArn": "arn", "deletionWindowInDays": 30}),
        set(),
    ),
    "fail_aws_seven_day_window": (
        changed(aws_kms_key(), {"deletionWindowInDays": 7.0}),
        {"Key platform-key can be deleted 7 days after deletion is scheduled (at least 30 days)"},
    ),
    "pass_gcp_thirty_days": (gcp_crypto_key(), set()),
    "pass_gcp_unset_is_thirty_days": (changed(gcp_crypto_key(), {"destroyScheduledDuration": DELETE}), set()),
    "fail_gcp_one_day": (
        changed(gcp_crypto_key(), {"destroyScheduledDuration": "86400s"}),
        {"CryptoKey platform-key versions are destroyed 1 day after destruction is scheduled (at least 30 days)"},
    ),
    "fail_gcp_not_a_duration": (
        changed(gcp_crypto_key(), {"destroyScheduledDuration": "30d"}),
        {"CryptoKey platform-key: destroyScheduledDuration '30d' is not a duration in seconds ('2592000s')"},
    ),
    "pass_azure_purge_protection_and_ninety_days": (azure_vault(), set()),
    "pass_azure_defaults_are_ninety_days_of_soft_delete": (
        changed(azure_vault(), {"properties.softDeleteRetentionInDays": DELETE, "properties.enableSoftDelete": DELETE}),
        set(),
    ),
    "fail_azure_no_purge_protection": (
        changed(azure_vault(), {"properties.enablePurgeProtection": DELETE}),
        {f"{VAULT} has no purge protection: a deleted key can be purged before its retention ends"},
    ),
    "fail_azure_soft_delete_off_and_short": (
        changed(azure_vault(), {"properties.enableSoftDelete": False, "properties.softDeleteRetentionInDays": 7.0}),
        {f"{VAULT} disables soft delete", f"{VAULT} keeps deleted keys 7 days (at least 90 days)"},
    ),
}


@pytest.mark.parametrize(("subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, PROD)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_gcp_minimum_is_configurable_up_to_cloud_kms_maximum() -> None:
    assert RULE.config["minGcpDestroyScheduledDays"]["maximum"] == 120
    status, messages = verdict(RULE, gcp_crypto_key(), {"minGcpDestroyScheduledDays": 120})
    assert (status, messages) == (
        "fail",
        {"CryptoKey platform-key versions are destroyed 30 days after destruction is scheduled (at least 120 days)"},
    )


@pytest.mark.parametrize(
    "subject",
    [
        changed(aws_kms_key(), {"deletionWindowInDays": U_NUMBER}),
        changed(gcp_crypto_key(), {"destroyScheduledDuration": U_STRING}),
        changed(azure_vault(), {"properties.softDeleteRetentionInDays": U_NUMBER}),
    ],
    ids=["aws", "gcp", "azure"],
)
def test_unknown_windows_are_not_a_failure(subject: Any) -> None:
    assert verdict(RULE, subject, PROD) == ("unknown", set())
