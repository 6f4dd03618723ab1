"""MLP-023: every bucket keeps previous versions (soft delete on Azure), and previous versions
expire.

Versioning turns an overwrite or a delete into a recoverable event; without an expiry the old
versions are kept (and billed) forever, so both halves are required, and the expiry must come
within `maxNoncurrentDays`.

- S3: a `BucketVersioning` joined to the bucket with status `Enabled` (or the legacy inline
  `versioning.enabled`), and an enabled lifecycle rule with `noncurrentVersionExpiration`
  (in a joined `BucketLifecycleConfiguration`, or legacy inline `lifecycleRules`).
- GCS: `versioning.enabled`, and a `Delete` lifecycle rule for noncurrent objects:
  `daysSinceNoncurrentTime`, `withState: ARCHIVED` with an `age`, or `numNewerVersions`
  (a count, which bounds the versions kept without a day limit).
- Azure: the account's `BlobServiceProperties` with blob versioning and blob soft delete
  (`deleteRetentionPolicy`) on, and an enabled management policy rule deleting old versions
  (`actions.version.delete`).
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
    S3_VERSIONING,
    attachments,
    s3_attachments,
)
from mlp_policies.values import as_bool, as_number, fmt

AZURE_BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"


def _within(days: list[float | None], max_days: float, what: str) -> list[str]:
    """Problems with the noncurrent expiry days found (None: expires by count, not by age)."""
    if not days:
        return [f"{what}: previous versions never expire"]
    bounded = [d for d in days if d is not None]
    if len(bounded) < len(days) or min(bounded) <= max_days:
        return []
    return [f"{what}: previous versions expire after {fmt(min(bounded))} days (at most {fmt(max_days)})"]


def _s3(bucket: Resource, siblings: list[Resource], max_days: float) -> Outcome:
    what = f"bucket {bucket.name}"
    versioning = [s for s in siblings if s.type in S3_VERSIONING]
    configs = [s for s in siblings if s.type in S3_LIFECYCLE]
    statuses = [v.get("versioningConfiguration", "status") for v in versioning]
    enabled = "Enabled" in statuses or as_bool(bucket.get("versioning", "enabled")) is True
    messages = []
    if not enabled:
        state = ", ".join(str(s) for s in statuses) if statuses else "no versioning configuration"
        messages.append(f"{what} is not versioned ({state})")
    days: list[float | None] = []
    for config in configs:
        for rule in config.get("rules", default=[]):
            if isinstance(rule, Mapping) and rule.get("status") == "Enabled":
                expiry = rule.get("noncurrentVersionExpiration") or {}
                if expiry:
                    days.append(as_number(expiry.get("noncurrentDays")))
    for rule in bucket.get("lifecycleRules", default=[]):  # legacy inline rules
        if isinstance(rule, Mapping) and as_bool(rule.get("enabled")):
            expiry = rule.get("noncurrentVersionExpiration") or {}
            if expiry:
                days.append(as_number(expiry.get("days")))
    messages += _within(days, max_days, what)
    return fail(*messages) if messages else PASS


def _gcs_noncurrent_days(rule: Mapping[str, Any]) -> list[float | None]:
    if (rule.get("action") or {}).get("type") != "Delete":
        return []
    condition: Mapping[str, Any] = rule.get("condition") or {}
    if condition.get("daysSinceNoncurrentTime") is not None:
        return [as_number(condition.get("daysSinceNoncurrentTime"))]
    if condition.get("withState") == "ARCHIVED" and condition.get("age") is not None:
        return [as_number(condition.get("age"))]
    if condition.get("numNewerVersions") is not None:
        return [None]
    return []


def _gcs(bucket: Resource, max_days: float) -> Outcome:
    what = f"bucket {bucket.name}"
    messages = []
    if as_bool(bucket.get("versioning", "enabled")) is not True:
        messages.append(f"{what} is not versioned")
    days = [
        d
        for rule in bucket.get("lifecycleRules", default=[])
        if isinstance(rule, Mapping)
        for d in _gcs_noncurrent_days(rule)
    ]
    messages += _within(days, max_days, what)
    return fail(*messages) if messages else PASS


def _azure(account: Resource, services: list[Resource], policies: list[Resource], max_days: float) -> Outcome:
    what = f"storage account {account.name}"
    messages = []
    if not services:
        messages.append(f"{what} has no blob service properties: blob versioning and soft delete are off")
    else:
        if not any(as_bool(s.get("isVersioningEnabled")) for s in services):
            messages.append(f"{what} does not version blobs")
        if not any(as_bool(s.get("deleteRetentionPolicy", "enabled")) for s in services):
            messages.append(f"{what} has no blob soft delete")
    days: list[float | None] = []
    for policy in policies:
        for rule in policy.get("policy", "rules", default=[]):
            if not isinstance(rule, Mapping) or as_bool(rule.get("enabled", True)) is False:
                continue
            actions: Mapping[str, Any] = (rule.get("definition") or {}).get("actions") or {}
            delete = (actions.get("version") or {}).get("delete") or {}
            if delete:
                days.append(as_number(delete.get("daysAfterCreationGreaterThan")))
    messages += _within(days, max_days, what)
    return fail(*messages) if messages else PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    max_days = float(config["maxNoncurrentDays"])
    s3 = s3_attachments(stack, S3_VERSIONING | S3_LIFECYCLE)
    accounts = stack.of_type(AZURE_ACCOUNT)
    services = stack.attached(accounts, [AZURE_BLOB_SERVICE], "accountName")
    policies = attachments(stack)
    buckets = stack.of_type(S3_BUCKETS, [GCS_BUCKET, AZURE_ACCOUNT])
    if not buckets:
        yield Finding(None, not_applicable("the stack has no buckets or storage accounts"))
    for bucket in buckets:
        if bucket.type in S3_BUCKETS:
            yield judge(bucket, partial(_s3, bucket, s3[bucket.urn], max_days))
        elif bucket.type == GCS_BUCKET:
            yield judge(bucket, partial(_gcs, bucket, max_days))
        else:
            yield judge(bucket, partial(_azure, bucket, services[bucket.urn], policies[bucket.urn], max_days))


RULE = StackRule(
    id="MLP-023",
    name="buckets-versioned-with-noncurrent-expiry",
    description="Every bucket is versioned (blob versioning and soft delete on Azure) and its previous versions "
    "expire.",
    severity="high",
    resource_types=S3_BUCKETS
    | S3_VERSIONING
    | S3_LIFECYCLE
    | {GCS_BUCKET, AZURE_ACCOUNT, AZURE_BLOB_SERVICE, AZURE_MANAGEMENT_POLICY},
    remediation=(
        "Keep buckets[].versioning on in the blueprint (the default) and set buckets[].noncurrentVersionExpireDays "
        "within the limit; the tiered bucket components add the versioning, soft delete and the expiry rule. "
        "Hand-written buckets need a BucketVersioning and a noncurrentVersionExpiration rule (S3), versioning and "
        "a daysSinceNoncurrentTime Delete rule (GCS), or blob versioning, soft delete and a version delete action "
        "(Azure)."
    ),
    equivalents=("CKV_AWS_21", "CKV_GCP_78", "CKV2_AZURE_38"),
    config={
        "maxNoncurrentDays": {
            "type": "integer",
            "minimum": 1,
            "default": 365,
            "description": "Most days a previous version may be kept before it expires.",
        },
    },
    check=check,
)
