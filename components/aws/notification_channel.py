"""The stack's one notification channel on AWS: an SNS topic encrypted with the platform key,
with an email subscription per `monitoring.contacts` address. The budget's alerts go to it
(besides their own emails), and the alarms of the watch layer will.

What the real services need before they can publish (mocks cannot see it):
- An encrypted topic needs each publishing service to use the key: the key policy lets
  CloudWatch, AWS Budgets and Cost Anomaly Detection generate data keys and decrypt
  (encryption_key.py, `AlertPublishers`; https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
  Without it, alarms change state and no message is ever delivered.
- The topic policy lets those services publish, only for this account (`aws:SourceAccount`),
  and only over TLS. AWS Budgets checks the topic's policy when the budget is created, so the
  budget waits for it (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html).
- Email subscriptions stay "pending confirmation" until each address clicks the link AWS
  sends; Pulumi cannot confirm them, and an unconfirmed one expires after three days (re-run
  `pulumi up` to resend). docs/aws.md says so."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws import policy_docs as docs

# The services that publish the stack's alerts (see encryption_key.py for their key use).
PUBLISHERS = ("budgets.amazonaws.com", "cloudwatch.amazonaws.com", "costalerts.amazonaws.com")


def topic_policy(topic_arn: str, account: str) -> str:
    return docs.document(
        {
            "Sid": "AlertPublishers",
            "Effect": "Allow",
            "Principal": {"Service": list(PUBLISHERS)},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        },
        {
            "Sid": "AccountSubscribes",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:Subscribe"],
            "Resource": topic_arn,
        },
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )


@dataclass(frozen=True, kw_only=True)
class NotificationChannelArgs:
    contacts: tuple[str, ...]
    key_arn: pulumi.Input[str]
    account_id: str


class NotificationChannel(pulumi.ComponentResource):
    topic: aws.sns.Topic
    arn: pulumi.Output[str]
    ready: list[pulumi.Resource]  # what a publisher waits for: the topic's policy

    def __init__(self, name: str, args: NotificationChannelArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:NotificationChannel", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topic = aws.sns.Topic(f"{name}-topic", aws.sns.TopicArgs(kms_master_key_id=args.key_arn), opts=child)
        policy = aws.sns.TopicPolicy(
            f"{name}-policy",
            aws.sns.TopicPolicyArgs(
                arn=self.topic.arn,
                policy=self.topic.arn.apply(lambda arn: topic_policy(arn, args.account_id)),
            ),
            opts=child,
        )
        for i, address in enumerate(args.contacts):
            aws.sns.TopicSubscription(
                f"{name}-email-{i}",
                aws.sns.TopicSubscriptionArgs(topic=self.topic.arn, protocol="email", endpoint=address),
                opts=child,
            )
        self.arn = self.topic.arn
        self.ready = [policy]
        self.register_outputs({"topicArn": self.arn})
