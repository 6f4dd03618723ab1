"""MLP-014 keys-rotate on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.security.keys_rotate import RULE, iso_days

from tests.policies.security.security_shapes import aws_kms_key, azure_key, gcp_crypto_key
from tests.policies.shapes import DELETE, U_BOOL, U_OBJECT, U_STRING, changed, env_config, verdict

PROD = env_config("prod", RULE)
ROTATION = "properties.rotationPolicy"

CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_aws_rotation_yearly": (aws_kms_key(), set()),
    "pass_aws_rotation_default_period": (changed(aws_kms_key(), {"rotationPeriodInDays": DELETE}), set()),
    "fail_aws_rotation_off": (
        changed(aws_kms_key(), {"enableKeyRotation": False}),
        {"key platform-key does not rotate (enableKeyRotation is off)"},
    ),
    "fail_aws_rotation_unset": (
        changed(aws_kms_key(), {"enableKeyRotation": DELETE}),
        {"key platform-key does not rotate (enableKeyRotation is off)"},
    ),
    "fail_aws_period_too_long": (
        changed(aws_kms_key(), {"rotationPeriodInDays": 730.0}),
        {"key platform-key rotates every 730 days, more than 365"},
    ),
    "pass_gcp_ninety_days": (gcp_crypto_key(), set()),
    "fail_gcp_no_rotation": (
        changed(gcp_crypto_key(), {"rotationPeriod": DELETE}),
        {"key platform-key does not rotate (no rotationPeriod)"},
    ),
    "fail_gcp_yearly": (
        changed(gcp_crypto_key(), {"rotationPeriod": "31536000s"}),
        {"key platform-key rotates every 365 days, more than 90"},
    ),
    "pass_azure_rotate_yearly": (azure_key(), set()),
    "pass_azure_rotate_before_expiry": (
        changed(
            azure_key(),
            {
                f"{ROTATION}.lifetimeActions[0].trigger": {"timeBeforeExpiry": "P30D"},
                f"{ROTATION}.attributes.expiryTime": "P1Y",
            },
        ),
        set(),
    ),
    "fail_azure_no_rotation_policy": (
        changed(azure_key(), {ROTATION: DELETE}),
        {"key platform-key has no rotation policy with a rotate action"},
    ),
    "fail_azure_notify_only": (
        changed(azure_key(), {f"{ROTATION}.lifetimeActions[0].action.type": "notify"}),
        {"key platform-key has no rotation policy with a rotate action"},
    ),
    "fail_azure_every_two_years": (
        changed(azure_key(), {f"{ROTATION}.lifetimeActions[0].trigger.timeAfterCreate": "P2Y"}),
        {"key platform-key rotates every 730 days, more than 365"},
    ),
    "fail_azure_before_an_expiry_never_set": (
        changed(
            azure_key(),
            {f"{ROTATION}.lifetimeActions[0].trigger": {"timeBeforeExpiry": "P30D"}, f"{ROTATION}.attributes": DELETE},
        ),
        {"key platform-key: the rotate action has no timeAfterCreate, nor a timeBeforeExpiry and expiryTime"},
    ),
}


@pytest.mark.parametrize(("subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, PROD)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


@pytest.mark.parametrize(
    "subject",
    [
        changed(aws_kms_key(), {"customerMasterKeySpec": "RSA_2048", "enableKeyRotation": False}),
        changed(aws_kms_key(), {"keyUsage": "GENERATE_VERIFY_MAC", "enableKeyRotation": False}),
        changed(aws_kms_key(), {"origin": "EXTERNAL", "enableKeyRotation": False}),
        changed(gcp_crypto_key(), {"purpose": "ASYMMETRIC_SIGN", "rotationPeriod": DELETE}),
    ],
    ids=["aws_asymmetric", "aws_hmac", "aws_imported", "gcp_asymmetric"],
)
def test_keys_that_cannot_rotate_are_not_applicable(subject: Any) -> None:
    assert verdict(RULE, subject, PROD)[0] == "not-applicable"


def test_iso_durations() -> None:
    assert [iso_days(d) for d in ("P90D", "P1Y", "P1M", "P2W", "P1Y2M3D", "PT1H", "", None)] == [
        90.0,
        365.0,
        30.0,
        14.0,
        428.0,
        None,
        None,
        None,
    ]


@pytest.mark.parametrize(
    "subject",
    [
        changed(aws_kms_key(), {"enableKeyRotation": U_BOOL}),
        changed(gcp_crypto_key(), {"rotationPeriod": U_STRING}),
        changed(azure_key(), {ROTATION: U_OBJECT}),
    ],
    ids=["aws", "gcp", "azure"],
)
def test_unknown_rotation_is_not_a_failure(subject: Any) -> None:
    assert verdict(RULE, subject, PROD)[0] == "unknown"
