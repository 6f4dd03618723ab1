"""MLP-006: every bucket moves ageing objects to cheaper storage, and S3 buckets clean up
incomplete multipart uploads.

- S3: an enabled lifecycle rule with a transition (in a `BucketLifecycleConfiguration` joined
  to the bucket, or the bucket's legacy inline `lifecycleRules`), and an enabled rule aborting
  incomplete multipart uploads within `maxAbortDays` (their parts are billed until aborted).
- GCS: a `SetStorageClass` lifecycle rule, or Autoclass.
- Azure: a management policy on the storage account with an enabled rule tiering base blobs to
  cool, cold or archive.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.storage import (
    AZURE_ACCOUNT,
    AZURE_MANAGEMENT_POLICY,
    GCS_BUCKET,
    S3_BUCKETS,
    S3_LIFECYCLE,
    attachments,
    s3_attachments,
)
from mlp_policies.values import as_bool, as_number, fmt

AZURE_TIERS = ("tierToCool", "tierToCold", "tierToArchive")


def _s3(bucket: Resource, configs: list[Resource], max_abort: float) -> Outcome:
    rules: list[Mapping[str, Any]] = []
    for config in configs:
        rules += [r for r in config.get("rules", default=[]) if isinstance(r, Mapping) and r.get("status") == "Enabled"]
    # Legacy inline rules (deprecated in v7 but still accepted).
    inline = [
        r for r in bucket.get("lifecycleRules", default=[]) if isinstance(r, Mapping) and as_bool(r.get("enabled"))
    ]
    if not configs and not inline:
        return fail(f"bucket {bucket.name} has no lifecycle configuration")
    messages = []
    tiered = any(r.get("transitions") for r in rules) or any(r.get("transitions") for r in inline)
    if not tiered:
        messages.append(
            f"bucket {bucket.name}: no enabled lifecycle rule transitions objects to a cheaper storage class"
        )
    abort_days = [as_number((r.get("abortIncompleteMultipartUpload") or {}).get("daysAfterInitiation")) for r in rules]
    abort_days += [as_number(r.get("abortIncompleteMultipartUploadDays")) for r in inline]
    known_days = [d for d in abort_days if d is not None]
    if not known_days:
        messages.append(f"bucket {bucket.name}: no enabled lifecycle rule aborts incomplete multipart uploads")
    elif min(known_days) > max_abort:
        messages.append(
            f"bucket {bucket.name} aborts incomplete multipart uploads after {fmt(min(known_days))} days "
            f"(at most {fmt(max_abort)})"
        )
    return fail(*messages) if messages else PASS


def _gcs(bucket: Resource) -> Outcome:
    if as_bool(bucket.get("autoclass", "enabled")):
        return PASS
    for rule in bucket.get("lifecycleRules", default=[]):
        if isinstance(rule, Mapping) and (rule.get("action") or {}).get("type") == "SetStorageClass":
            return PASS
    return fail(f"bucket {bucket.name} has no SetStorageClass lifecycle rule and no Autoclass")


def _azure(account: Resource, policies: list[Resource]) -> Outcome:
    if not policies:
        return fail(f"storage account {account.name} has no lifecycle management policy")
    for policy in policies:
        for rule in policy.get("policy", "rules", default=[]):
            if not isinstance(rule, Mapping) or as_bool(rule.get("enabled", True)) is False:
                continue
            base = ((rule.get("definition") or {}).get("actions") or {}).get("baseBlob") or {}
            if any(base.get(tier) for tier in AZURE_TIERS):
                return PASS
    return fail(
        f"storage account {account.name}: no enabled management policy rule tiers blobs to cool, cold or archive"
    )


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    max_abort = float(config["maxAbortDays"])
    s3 = s3_attachments(stack, S3_LIFECYCLE)
    azure = attachments(stack)
    buckets = stack.of_type(S3_BUCKETS, [GCS_BUCKET, AZURE_ACCOUNT])
    if not buckets:
        yield Finding(None, not_applicable("the stack has no buckets or storage accounts"))
    for bucket in buckets:
        if bucket.type in S3_BUCKETS:
            yield judge(bucket, partial(_s3, bucket, s3[bucket.urn], max_abort))
        elif bucket.type == GCS_BUCKET:
            yield judge(bucket, partial(_gcs, bucket))
        else:
            yield judge(bucket, partial(_azure, bucket, azure[bucket.urn]))


RULE = StackRule(
    id="MLP-006",
    name="buckets-have-lifecycle-tiering",
    description="Every bucket tiers ageing objects to cheaper storage; S3 buckets also abort incomplete "
    "multipart uploads.",
    severity="medium",
    resource_types=S3_BUCKETS | S3_LIFECYCLE | {GCS_BUCKET, AZURE_ACCOUNT, AZURE_MANAGEMENT_POLICY},
    remediation=(
        "Give the bucket lifecycle tiers in the blueprint (buckets[].tiers); the tiered bucket components add the "
        "transitions and the multipart clean-up. Hand-written buckets need a lifecycle configuration (S3), "
        "lifecycle rules or Autoclass (GCS) or a management policy (Azure)."
    ),
    equivalents=("CKV2_AWS_61", "CKV_AWS_300"),
    config={
        "maxAbortDays": {
            "type": "integer",
            "minimum": 1,
            "default": 7,
            "description": "Days after which an S3 bucket must abort incomplete multipart uploads.",
        },
    },
    check=check,
)
