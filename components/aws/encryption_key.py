"""The platform's customer-managed KMS key: rotation on, maximum deletion window, a key
policy naming the account root and exactly the principals that use the key. KMS refuses a
policy naming a principal that does not exist yet, so the key depends on every principal the
stack creates for it (`principal_dependencies`)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws import policy_docs as docs


@dataclass(frozen=True, kw_only=True)
class EncryptionKeyArgs:
    account_id: str
    region: str
    rotation_days: int
    deletion_window_days: int = 30
    # Workload roles that read/write buckets encrypted with this key: named in the key policy,
    # and only for use through S3 (direct key use comes from an IAM grant, see iam.grant_key).
    s3_user_role_arns: list[pulumi.Input[str]]
    # The EC2 Auto Scaling service-linked role (components/aws/service_linked_roles.py).
    autoscaling_role_arn: str
    # Principals of the policy that this stack creates (workload roles are Outputs already).
    principal_dependencies: tuple[pulumi.Resource, ...] = ()
    description: str = "ML platform data key"


class EncryptionKey(pulumi.ComponentResource):
    key: aws.kms.Key
    alias: aws.kms.Alias
    arn: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:EncryptionKey", name, None, opts)
        policy = pulumi.Output.all(*args.s3_user_role_arns).apply(lambda roles: key_policy(args, sorted(roles)))
        self.key = aws.kms.Key(
            f"{name}-key",
            aws.kms.KeyArgs(
                description=args.description,
                enable_key_rotation=True,
                rotation_period_in_days=args.rotation_days,
                deletion_window_in_days=args.deletion_window_days,
                policy=policy,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.principal_dependencies)),
        )
        # name_prefix: Pulumi appends a random suffix kept in state, so re-creating the stack
        # (or a second stack in the account) never collides with an existing alias.
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            aws.kms.AliasArgs(name_prefix=f"alias/{name}-", target_key_id=self.key.key_id),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.register_outputs({"arn": self.arn, "alias": self.alias.name})


def key_policy(args: EncryptionKeyArgs, role_arns: list[str]) -> str:
    account, region = args.account_id, args.region
    use = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    asg_role = args.autoscaling_role_arn
    return docs.document(
        {  # delegates to IAM, so role policies from bucket grants take effect
            "Sid": "AccountAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        *(
            [
                {  # no broader than the bucket grants: data keys for S3 objects only
                    "Sid": "WorkloadsThroughS3",
                    "Effect": "Allow",
                    "Principal": {"AWS": role_arns},
                    "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
                }
            ]
            if role_arns
            else []
        ),
        {  # EC2 Auto Scaling (also behind EKS managed node groups) launches CMK-encrypted volumes
            "Sid": "AutoScalingVolumes",
            "Effect": "Allow",
            "Principal": {"AWS": asg_role},
            "Action": use,
            "Resource": "*",
        },
        {
            "Sid": "AutoScalingGrants",
            "Effect": "Allow",
            "Principal": {"AWS": asg_role},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}},
        },
        {  # the stack's alerts reach its SNS topic, encrypted with this key (notification_channel.py)
            "Sid": "AlertPublishers",
            "Effect": "Allow",
            "Principal": {"Service": ["budgets.amazonaws.com", "cloudwatch.amazonaws.com", "costalerts.amazonaws.com"]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogs",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": use,
            "Resource": "*",
            "Condition": {
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}
            },
        },
    )
