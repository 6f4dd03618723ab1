"""MLP-012: no bucket can be made public.

- S3: a `BucketPublicAccessBlock` joined to the bucket with all four flags on
  (`blockPublicAcls`, `blockPublicPolicy`, `ignorePublicAcls`, `restrictPublicBuckets`), or an
  account-level `AccountPublicAccessBlock` in the stack with all four on.
- GCS: `publicAccessPrevention` is `enforced` and `uniformBucketLevelAccess` is on (no
  per-object ACLs that could grant `allUsers`).
- Azure: the storage account sets `allowBlobPublicAccess` false (no anonymous containers) and
  `allowSharedKeyAccess` false (no account keys or SAS tokens that bypass Entra ID), both
  explicitly: left unset, older API versions allow both.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.storage import AZURE_ACCOUNT, GCS_BUCKET, S3_BUCKETS, S3_PUBLIC_ACCESS_BLOCK, s3_attachments
from mlp_policies.values import as_bool

S3_ACCOUNT_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _flags_off(block: Resource) -> list[str]:
    return [f for f in FLAGS if as_bool(block.get(f)) is not True]


def _s3(bucket: Resource, blocks: list[Resource], account_blocks: list[Resource]) -> Outcome:
    if any(not _flags_off(b) for b in [*blocks, *account_blocks]):
        return PASS
    if not blocks:
        return fail(f"bucket {bucket.name} has no public access block")
    off = sorted({f for b in blocks for f in _flags_off(b)})
    return fail(f"bucket {bucket.name}: the public access block does not set {', '.join(off)}")


def _gcs(bucket: Resource) -> Outcome:
    messages = []
    prevention = bucket.get("publicAccessPrevention", default="inherited")
    if prevention != "enforced":
        messages.append(f"bucket {bucket.name}: publicAccessPrevention is {prevention}, not enforced")
    if as_bool(bucket.get("uniformBucketLevelAccess")) is not True:
        messages.append(f"bucket {bucket.name}: uniformBucketLevelAccess is off (object ACLs can grant allUsers)")
    return fail(*messages) if messages else PASS


def _azure(account: Resource) -> Outcome:
    messages = []
    if as_bool(account.get("allowBlobPublicAccess")) is not False:
        messages.append(f"storage account {account.name}: allowBlobPublicAccess is not false (anonymous containers)")
    if as_bool(account.get("allowSharedKeyAccess")) is not False:
        messages.append(
            f"storage account {account.name}: allowSharedKeyAccess is not false (account keys and SAS bypass Entra ID)"
        )
    return fail(*messages) if messages else PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    buckets = stack.of_type(S3_BUCKETS, [GCS_BUCKET, AZURE_ACCOUNT])
    if not buckets:
        yield Finding(None, not_applicable("the stack has no buckets or storage accounts"))
        return
    blocks = s3_attachments(stack, S3_PUBLIC_ACCESS_BLOCK)
    account_blocks = stack.of_type(S3_ACCOUNT_BLOCK)
    for bucket in buckets:
        if bucket.type in S3_BUCKETS:
            yield judge(bucket, partial(_s3, bucket, blocks[bucket.urn], account_blocks))
        elif bucket.type == GCS_BUCKET:
            yield judge(bucket, partial(_gcs, bucket))
        else:
            yield judge(bucket, partial(_azure, bucket))


RULE = StackRule(
    id="MLP-012",
    name="buckets-block-public-access",
    description="No bucket can be made public: all four S3 public access block flags; GCS public access "
    "prevention enforced with uniform access; Azure blob public access and shared keys off.",
    severity="critical",
    resource_types=S3_BUCKETS | S3_PUBLIC_ACCESS_BLOCK | {S3_ACCOUNT_BLOCK, GCS_BUCKET, AZURE_ACCOUNT},
    remediation=(
        "Create buckets with the tiered bucket components, which block public access on every cloud. Hand-written "
        "buckets need a BucketPublicAccessBlock with all four flags true (S3), publicAccessPrevention enforced and "
        "uniformBucketLevelAccess (GCS), or allowBlobPublicAccess and allowSharedKeyAccess false (Azure)."
    ),
    equivalents=("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV_GCP_29"),
    check=check,
)
