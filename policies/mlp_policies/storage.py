"""Buckets on the three clouds, and the sibling resources that configure them.

pulumi-aws v7 configures an S3 bucket through separate resources (versioning, encryption,
public access block, policy, logging, lifecycle), each naming the bucket in its `bucket`
input; `s3_attachments` joins them to their bucket. Azure's "bucket" is the storage account,
whose lifecycle lives in a `ManagementPolicy` naming it in `accountName`.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlp_policies.resources import Resource, Stack
from mlp_policies.tags import resource_tags
from mlp_policies.values import Unknown

__all__ = [
    "AZURE_ACCOUNT",
    "AZURE_MANAGEMENT_POLICY",
    "BUCKET_TYPES",
    "GCS_BUCKET",
    "LOGS_PURPOSE",
    "PURPOSE_TAG",
    "S3_BUCKETS",
    "S3_ENCRYPTION",
    "S3_LIFECYCLE",
    "S3_LOGGING",
    "S3_POLICY",
    "S3_PUBLIC_ACCESS_BLOCK",
    "S3_VERSIONING",
    "access_log_buckets",
    "attachments",
    "purpose",
    "s3_attachments",
]

S3_BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
# v7 names first; the V2 tokens are the deprecated aliases still accepted by the provider.
S3_LIFECYCLE = frozenset(
    {
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    }
)
S3_VERSIONING = frozenset({"aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"})
S3_ENCRYPTION = frozenset(
    {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }
)
S3_PUBLIC_ACCESS_BLOCK = frozenset({"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"})
S3_POLICY = frozenset({"aws:s3/bucketPolicy:BucketPolicy"})
S3_LOGGING = frozenset({"aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"})
GCS_BUCKET = "gcp:storage/bucket:Bucket"
AZURE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_MANAGEMENT_POLICY = "azure-native:storage:ManagementPolicy"
BUCKET_TYPES = S3_BUCKETS | {GCS_BUCKET, AZURE_ACCOUNT}
PURPOSE_TAG = "mlplat-purpose"  # datasets | models | checkpoints | logs | artifacts
LOGS_PURPOSE = "logs"


def s3_attachments(stack: Stack, kinds: Iterable[str]) -> dict[str, list[Resource]]:
    """For each S3 bucket (by URN): its sibling resources of types `kinds`."""
    return stack.attached(stack.of_type(S3_BUCKETS), kinds, "bucket")


def attachments(stack: Stack) -> dict[str, list[Resource]]:
    """Azure: for each storage account (by URN), its management policies."""
    return stack.attached(stack.of_type(AZURE_ACCOUNT), [AZURE_MANAGEMENT_POLICY], "accountName")


def purpose(bucket: Resource) -> str | None:
    """The bucket's `mlplat-purpose` tag (label on GCP), None if absent or not known yet."""
    try:
        tags = resource_tags(bucket) or {}
    except Unknown:
        return None
    value = tags.get(PURPOSE_TAG)
    return str(value) if value else None


def access_log_buckets(stack: Stack) -> set[str]:
    """URNs of the S3 buckets that receive server access logs: tagged `mlplat-purpose: logs`
    and named as `targetBucket` by a `BucketLogging` of the stack.

    S3 delivers server access logs only to buckets encrypted with SSE-S3 (AES256), never to
    SSE-KMS ones, so this is the one bucket a customer-managed-key rule must exempt, and
    exactly this one: a `logs` bucket nothing logs into gets no exemption.
    """
    logs = [b for b in stack.of_type(S3_BUCKETS) if purpose(b) == LOGS_PURPOSE]
    targets: set[str] = set()
    for logging in stack.of_type(S3_LOGGING):
        targets.update(b.urn for b in stack.references(logging, "targetBucket", logs))
    return targets
