"""A tiered S3 bucket: owner-enforced (no ACLs), all four public-access blocks, SSE-KMS with
the platform key and bucket keys, versioning, a TLS-only (1.2+) bucket policy, lifecycle
tiering by the blueprint (classes from the catalog), noncurrent-version tiering and expiry,
multipart clean-up, optional access logging. Never `force_destroy`.

`grant_read` / `grant_write` give an identity the S3 and KMS permissions for this bucket only.

The stack's access-log bucket is a TieredBucket too, with `receives_access_logs`: S3 delivers
server access logs only to SSE-S3 (AES256) buckets, so that one bucket is not KMS-encrypted
and its policy lets the S3 logging service write into it from this account."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from blueprint.catalog import load_catalog
from blueprint.model import Bucket
from components.aws import policy_docs as docs
from components.aws.iam import PolicyHolder
from components.common.lifecycle import NONCURRENT_TIER_AFTER_DAYS, noncurrent_tier

ABORT_MULTIPART_DAYS = 7


@dataclass(frozen=True, kw_only=True)
class TieredBucketArgs:
    bucket: Bucket
    region: str
    key_arn: pulumi.Input[str]
    access_log_bucket: pulumi.Input[str] | None = None  # target bucket name for server access logs
    receives_access_logs: bool = False  # this is the stack's access-log bucket
    account_id: str = ""  # with receives_access_logs: the only account whose logs it accepts


def lifecycle_rule(bucket: Bucket) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    cat = load_catalog()
    transitions = [
        aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
            days=t.after_days, storage_class=cat.storage_class(t.storage_class, "aws").name
        )
        for t in bucket.tiers
    ]
    # Old versions move to the first tier too, when they live long enough to pay for it.
    first = noncurrent_tier(bucket, "aws")
    noncurrent_transitions = (
        [
            aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionTransitionArgs(
                noncurrent_days=NONCURRENT_TIER_AFTER_DAYS, storage_class=first.name
            )
        ]
        if first is not None
        else None
    )
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="tiering",
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
        transitions=transitions,
        noncurrent_version_transitions=noncurrent_transitions,
        noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            noncurrent_days=bucket.noncurrent_version_expire_days
        ),
        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=bucket.expire_after_days)
        if bucket.expire_after_days
        else None,
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=ABORT_MULTIPART_DAYS
        ),
    )


def bucket_policy(bucket_arn: str, log_delivery_account: str | None = None) -> str:
    """TLS-only (and TLS 1.2+) for everyone; optionally S3 log delivery from one account."""
    resources = [bucket_arn, f"{bucket_arn}/*"]
    statements = [
        docs.deny_everyone("DenyInsecureTransport", resources, {"Bool": {"aws:SecureTransport": "false"}}),
        docs.deny_everyone("DenyOutdatedTls", resources, {"NumericLessThan": {"s3:TlsVersion": "1.2"}}),
    ]
    if log_delivery_account:
        statements.append(
            {
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": log_delivery_account}},
            }
        )
    return docs.document(*statements)


class TieredBucket(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: TieredBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:TieredBucket", name, None, opts)
        spec = args.bucket
        self._name, self._key_arn, self._region = name, args.key_arn, args.region
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            aws.s3.BucketArgs(force_destroy=False, tags={"mlplat-purpose": spec.purpose}),
            opts=pulumi.ResourceOptions(parent=self, protect=spec.retain, retain_on_delete=spec.retain),
        )
        child = pulumi.ResourceOptions(parent=self)
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            aws.s3.BucketOwnershipControlsArgs(
                bucket=self.bucket.id,
                rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            ),
            opts=child,
        )
        public_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            aws.s3.BucketPublicAccessBlockArgs(
                bucket=self.bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            opts=child,
        )
        sse = (
            aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="AES256"
            )
            if args.receives_access_logs
            else aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=args.key_arn
            )
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            aws.s3.BucketServerSideEncryptionConfigurationInitArgs(
                bucket=self.bucket.id,
                rules=[
                    aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                        apply_server_side_encryption_by_default=sse,
                        bucket_key_enabled=not args.receives_access_logs,  # cuts KMS request cost by up to 99%
                    )
                ],
            ),
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            aws.s3.BucketVersioningInitArgs(
                bucket=self.bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                    status="Enabled" if spec.versioning else "Suspended"
                ),
            ),
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            aws.s3.BucketPolicyArgs(
                bucket=self.bucket.id,
                policy=self.bucket.arn.apply(
                    lambda arn: bucket_policy(arn, args.account_id if args.receives_access_logs else None)
                ),
            ),
            # After the public-access block, so the policy is judged with it in place.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_block, ownership]),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            aws.s3.BucketLifecycleConfigurationArgs(bucket=self.bucket.id, rules=[lifecycle_rule(spec)]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        if args.access_log_bucket is not None:
            aws.s3.BucketLogging(
                f"{name}-access-logs",
                aws.s3.BucketLoggingInitArgs(
                    bucket=self.bucket.id, target_bucket=args.access_log_bucket, target_prefix=f"{spec.name}/"
                ),
                opts=child,
            )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.register_outputs({"name": self.name, "arn": self.arn})

    def grant_read(self, identity: PolicyHolder) -> None:
        self._grant(identity, write=False)

    def grant_write(self, identity: PolicyHolder) -> None:
        """Read and write: writing SSE-KMS objects needs the data-key permissions too."""
        self._grant(identity, write=True)

    def _grant(self, identity: PolicyHolder, *, write: bool) -> None:
        region = self._region

        def render(values: list[str]) -> str:
            bucket_arn, key_arn = values
            via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}
            return docs.document(
                docs.allow("List", docs.S3_LIST + (docs.S3_LIST_WRITE if write else []), [bucket_arn]),
                docs.allow("Objects", docs.S3_READ + (docs.S3_WRITE if write else []), [f"{bucket_arn}/*"]),
                docs.allow("Key", docs.KMS_DECRYPT + (docs.KMS_ENCRYPT if write else []), [key_arn], via_s3),
            )

        policy = pulumi.Output.all(self.arn, self._key_arn).apply(render)
        identity.add_policy(f"{self._name}-{'readwrite' if write else 'read'}", policy)
