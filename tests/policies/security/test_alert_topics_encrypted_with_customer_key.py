"""MLP-032 alert-topics-encrypted-with-customer-key on fixture properties (AWS SNS only: GCP
notification channels and Azure action groups hold no message data to encrypt)."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.security.alert_topics_encrypted_with_customer_key import RULE

from tests.policies.shapes import DELETE, U_STRING, changed, env_config, res, verdict

PROD = env_config("prod", RULE)
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0f6c2d4e-8b1a-4c3d-9e5f-6a7b8c9d0e1f"


def topic() -> Any:
    return res("aws:sns/topic:Topic", "alerts-topic", {"kmsMasterKeyId": KEY_ARN})


MANAGED = (
    "topic alerts-topic is encrypted with the AWS managed key alias/aws/sns, which CloudWatch, Budgets and Cost "
    "Anomaly Detection cannot be allowed to use: their alerts would be dropped"
)
CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_aws_platform_key_arn": (topic(), set()),
    "pass_aws_customer_key_alias": (changed(topic(), {"kmsMasterKeyId": "alias/platform-3f2a"}), set()),
    "fail_aws_unencrypted": (
        changed(topic(), {"kmsMasterKeyId": DELETE}),
        {"topic alerts-topic is not encrypted (no kmsMasterKeyId)"},
    ),
    "fail_aws_empty_key": (
        changed(topic(), {"kmsMasterKeyId": ""}),
        {"topic alerts-topic is not encrypted (no kmsMasterKeyId)"},
    ),
    "fail_aws_managed_key_alias": (changed(topic(), {"kmsMasterKeyId": "alias/aws/sns"}), {MANAGED}),
    "fail_aws_managed_key_alias_arn": (
        changed(topic(), {"kmsMasterKeyId": "arn:aws:kms:eu-west-1:123456789012:alias/aws/sns"}),
        {MANAGED},
    ),
}


@pytest.mark.parametrize(("subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, PROD)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_a_key_not_known_yet_is_unknown_not_a_failure() -> None:
    """First preview: the platform key's ARN is computed."""
    assert verdict(RULE, changed(topic(), {"kmsMasterKeyId": U_STRING}), PROD)[0] == "unknown"


def test_other_types_are_not_judged() -> None:
    assert "aws:sns/topicPolicy:TopicPolicy" not in RULE.resource_types
