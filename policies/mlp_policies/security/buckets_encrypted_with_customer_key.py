"""MLP-011: every bucket is encrypted at rest with a customer-managed key.

- S3: SSE-KMS (`aws:kms` or `aws:kms:dsse`) with a customer-managed key (`kmsMasterKeyId` set,
  not an `alias/aws/...` AWS managed key), in a `BucketServerSideEncryptionConfiguration`
  joined to the bucket (the bucket's legacy inline configuration when there is none).
  Exempt is exactly the stack's access-log bucket (`storage.access_log_buckets`: tagged
  `mlplat-purpose: logs` and the target of a `BucketLogging`), because S3 delivers server
  access logs only to SSE-S3 buckets; it still needs a default encryption configuration.
- GCS: `encryption.defaultKmsKeyName` (a Cloud KMS key, CMEK).
- Azure: the storage account's `encryption.keySource` is `Microsoft.Keyvault` with a key
  (`keyVaultProperties.keyName`), not Microsoft-managed keys.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.storage import (
    AZURE_ACCOUNT,
    GCS_BUCKET,
    S3_BUCKETS,
    S3_ENCRYPTION,
    S3_LOGGING,
    access_log_buckets,
    s3_attachments,
)

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
SSE_S3 = "AES256"


def _defaults(bucket: Resource, configs: list[Resource]) -> list[Mapping[str, Any]]:
    """Every `applyServerSideEncryptionByDefault` block that applies to the bucket."""
    if configs:
        rules = [r for c in configs for r in c.get("rules", default=[]) if isinstance(r, Mapping)]
    else:  # legacy inline configuration (deprecated in pulumi-aws v7, still accepted)
        rule = bucket.get("serverSideEncryptionConfiguration", "rule", default={})
        rules = [rule] if isinstance(rule, Mapping) and rule else []
    return [d for r in rules if isinstance(d := r.get("applyServerSideEncryptionByDefault"), Mapping)]


def _aws_managed(key_id: str) -> bool:
    return key_id.startswith("alias/aws/") or ":alias/aws/" in key_id


def _s3(bucket: Resource, configs: list[Resource], log_bucket: bool) -> Outcome:
    defaults = _defaults(bucket, configs)
    if not defaults:
        return fail(f"bucket {bucket.name} has no default encryption configuration")
    if log_bucket:
        # S3 writes server access logs only into SSE-S3 buckets: this one is exempt from the CMK.
        return PASS
    messages = []
    for d in defaults:
        algorithm = str(d.get("sseAlgorithm") or "")
        key_id = str(d.get("kmsMasterKeyId") or "")
        if algorithm not in KMS_ALGORITHMS:
            messages.append(
                f"bucket {bucket.name} is encrypted with {algorithm or 'no algorithm'}"
                + (" (SSE-S3)" if algorithm == SSE_S3 else "")
                + ", not SSE-KMS with a customer-managed key"
            )
        elif not key_id or _aws_managed(key_id):
            messages.append(f"bucket {bucket.name} uses SSE-KMS with the AWS managed key (aws/s3), not a customer key")
    return fail(*messages) if messages else PASS


def _gcs(bucket: Resource) -> Outcome:
    if bucket.get("encryption", "defaultKmsKeyName"):
        return PASS
    return fail(f"bucket {bucket.name} has no default Cloud KMS key (encryption.defaultKmsKeyName)")


def _azure(account: Resource) -> Outcome:
    source = str(account.get("encryption", "keySource", default="Microsoft.Storage"))
    if source.lower() != "microsoft.keyvault":
        return fail(f"storage account {account.name} is encrypted with Microsoft-managed keys (keySource {source})")
    if not account.get("encryption", "keyVaultProperties", "keyName"):
        return fail(f"storage account {account.name} names no Key Vault key (encryption.keyVaultProperties.keyName)")
    return PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    buckets = stack.of_type(S3_BUCKETS, [GCS_BUCKET, AZURE_ACCOUNT])
    if not buckets:
        yield Finding(None, not_applicable("the stack has no buckets or storage accounts"))
        return
    encryption = s3_attachments(stack, S3_ENCRYPTION)
    log_buckets = access_log_buckets(stack)
    for bucket in buckets:
        if bucket.type in S3_BUCKETS:
            yield judge(bucket, partial(_s3, bucket, encryption[bucket.urn], bucket.urn in log_buckets))
        elif bucket.type == GCS_BUCKET:
            yield judge(bucket, partial(_gcs, bucket))
        else:
            yield judge(bucket, partial(_azure, bucket))


RULE = StackRule(
    id="MLP-011",
    name="buckets-encrypted-with-customer-key",
    description="Buckets are encrypted with a customer-managed key: S3 SSE-KMS with a CMK (except the "
    "access-log bucket, which S3 requires to be SSE-S3), GCS default KMS key, Azure Key Vault key.",
    severity="high",
    resource_types=S3_BUCKETS | S3_ENCRYPTION | S3_LOGGING | {GCS_BUCKET, AZURE_ACCOUNT},
    remediation=(
        "Create buckets with the tiered bucket components, which encrypt with the platform key "
        "(components/*/encryption_key.py). Hand-written buckets need a BucketServerSideEncryptionConfiguration "
        "with sseAlgorithm aws:kms and kmsMasterKeyId (S3), encryption.defaultKmsKeyName (GCS), or "
        "encryption.keySource Microsoft.Keyvault with keyVaultProperties (Azure)."
    ),
    equivalents=("CKV_AWS_145",),
    check=check,
)
