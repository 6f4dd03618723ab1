"""MLP-032: the stack's alert topics are encrypted with a customer-managed key.

- AWS SNS topics (`aws:sns/topic:Topic`): `kmsMasterKeyId` names a customer-managed key (an
  ARN, key id or alias of one). Not the AWS managed `alias/aws/sns`: its key policy cannot be
  changed, so CloudWatch alarms, AWS Budgets and Cost Anomaly Detection can never be allowed to
  use it, and their messages to the topic are dropped
  (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
  An unencrypted topic stores alert texts (pool names, costs, contacts) in the clear.
"""

from __future__ import annotations

from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail

AWS_TOPIC = "aws:sns/topic:Topic"
AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def check(topic: Resource, config: Config) -> Outcome:
    key = str(topic.get("kmsMasterKeyId") or "")
    if not key:
        return fail(f"topic {topic.name} is not encrypted (no kmsMasterKeyId)")
    if key == AWS_MANAGED_SNS_KEY or key.endswith(f":{AWS_MANAGED_SNS_KEY}"):
        return fail(
            f"topic {topic.name} is encrypted with the AWS managed key {AWS_MANAGED_SNS_KEY}, which CloudWatch, "
            "Budgets and Cost Anomaly Detection cannot be allowed to use: their alerts would be dropped"
        )
    return PASS


RULE = ResourceRule(
    id="MLP-032",
    name="alert-topics-encrypted-with-customer-key",
    description="Alert topics (AWS SNS) are encrypted with a customer-managed key that the alerting services may "
    "use, never unencrypted or with the AWS managed alias/aws/sns key.",
    severity="medium",
    resource_types=frozenset({AWS_TOPIC}),
    remediation=(
        "Create the stack's topic with the NotificationChannel component (components/aws/notification_channel.py), "
        "which encrypts it with the platform key and allows CloudWatch, Budgets and Cost Anomaly Detection to use "
        "the key; a hand-written topic needs kmsMasterKeyId set to a customer-managed key with those grants."
    ),
    equivalents=("CKV_AWS_26",),
    config={},
    check=check,
)
