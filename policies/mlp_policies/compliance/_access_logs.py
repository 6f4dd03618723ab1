"""Bucket access logging on the three clouds, for the rules that require it (classified data,
HIPAA). Not a rule module (the registry skips `_` modules).

- S3: server access logging, a `BucketLogging` joined to the bucket (or the legacy inline
  `logging`) with a target bucket. CloudTrail S3 data events are not recognised.
- GCS: Data Access audit logs for Cloud Storage (a `projects.IAMAuditConfig` for
  `storage.googleapis.com` or `allServices` with DATA_READ and DATA_WRITE, neither exempting
  any principal: an exempted principal's reads and writes are not logged) in the stack, what
  the GCP platform creates for classified data; or usage logs (`logging.logBucket`), which the
  platform only adds on request (`gcp.usageLogs`): their delivery grant names a google.com
  group, which domain-restricted sharing refuses.
- Azure: a diagnostic setting on the account's blob service (`.../blobServices/default`) with
  the StorageRead, StorageWrite and StorageDelete logs (or the `audit`/`allLogs` category
  group) enabled. The Azure tiered bucket component creates none: Azure buckets fail these
  checks unless the environment's config waives them.

The buckets that receive the logs are not required to log their own access (`log_targets`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mlp_policies.resources import Resource, Stack
from mlp_policies.storage import (
    AZURE_ACCOUNT,
    GCS_BUCKET,
    LOGS_PURPOSE,
    S3_BUCKETS,
    S3_LOGGING,
    access_log_buckets,
    purpose,
    s3_attachments,
)
from mlp_policies.values import Unknown, as_bool, strings

__all__ = [
    "AZURE_BLOB_SERVICE",
    "AZURE_DIAGNOSTIC_SETTING",
    "GCP_AUDIT_CONFIG",
    "GCS_GAP",
    "LOG_TYPES",
    "gaps",
    "log_targets",
]

AZURE_BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
AZURE_DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
GCP_AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
BLOB_CATEGORIES = frozenset({"StorageRead", "StorageWrite", "StorageDelete"})
BLOB_GROUPS = frozenset({"audit", "allLogs"})
GCS_SERVICES = frozenset({"storage.googleapis.com", "allServices"})
DATA_ACCESS = frozenset({"DATA_READ", "DATA_WRITE"})
GCS_GAP = (
    "no Data Access audit logs for storage.googleapis.com (DATA_READ and DATA_WRITE, no exempted members) "
    "and no usage logs (logging.logBucket)"
)
# Every type the access-logging checks read, for a rule's `resource_types`.
LOG_TYPES = S3_LOGGING | {AZURE_BLOB_SERVICE, AZURE_DIAGNOSTIC_SETTING, GCP_AUDIT_CONFIG}


def log_targets(stack: Stack) -> set[str]:
    """URNs of the buckets receiving access logs: S3 (`storage.access_log_buckets`) and GCS
    buckets tagged `mlplat-purpose: logs` that another bucket names in `logging.logBucket`."""
    targets = access_log_buckets(stack)
    gcs = stack.of_type(GCS_BUCKET)
    logs = [b for b in gcs if purpose(b) == LOGS_PURPOSE]
    for bucket in gcs:
        try:
            if bucket.get("logging") is None:
                continue
        except Unknown:
            pass  # the property dependency may still say where the logs go
        targets.update(b.urn for b in stack.references(bucket, "logging", logs) if b.urn != bucket.urn)
    return targets


def _gcs_audited(stack: Stack) -> bool:
    """Whether a Data Access audit config logs every principal's Cloud Storage reads and writes
    (raises Unknown while that cannot be told yet)."""
    for config in stack.of_type(GCP_AUDIT_CONFIG):
        if config.get("service") not in GCS_SERVICES:
            continue
        entries = [c for c in config.get("auditLogConfigs", default=[]) if isinstance(c, Mapping)]
        kinds = {c.get("logType") for c in entries if not c.get("exemptedMembers")}
        if kinds >= DATA_ACCESS:
            return True
    return False


def _logs_blob_access(setting: Resource) -> bool:
    enabled = [entry for entry in setting.get("logs", default=[]) if isinstance(entry, Mapping)]
    enabled = [entry for entry in enabled if as_bool(entry.get("enabled")) is not False]
    if any(entry.get("categoryGroup") in BLOB_GROUPS for entry in enabled):
        return True
    return {entry.get("category") for entry in enabled} >= BLOB_CATEGORIES


def _azure_logged(stack: Stack) -> dict[str, bool]:
    """Storage account URN -> whether a diagnostic setting logs its blob reads, writes, deletes."""
    accounts = stack.of_type(AZURE_ACCOUNT)
    services = stack.attached(accounts, [AZURE_BLOB_SERVICE], "accountName")
    account_of = {s.urn: a for a in accounts for s in services[a.urn]}
    logged = {a.urn: False for a in accounts}
    for setting in stack.of_type(AZURE_DIAGNOSTIC_SETTING):
        try:
            uri = setting.get("resourceUri")
        except Unknown:
            uri = None
        if isinstance(uri, str) and "/blobservices/" not in uri.lower():
            continue  # a setting on the account itself (metrics only) or on another resource
        candidates = accounts + [s for a in accounts for s in services[a.urn]]
        for target in stack.references(setting, "resourceUri", candidates):
            account = account_of.get(target.urn, target)
            if _logs_blob_access(setting):
                logged[account.urn] = True
    return logged


def gaps(stack: Stack) -> Callable[[Resource], str | None]:
    """For one bucket: why its access is not logged, or None when it is.

    Raises Unknown (from the properties read) when that cannot be told yet."""
    s3 = s3_attachments(stack, S3_LOGGING)
    gcs_audited: bool | None = None
    azure: dict[str, bool] | None = None

    def gap(bucket: Resource) -> str | None:
        nonlocal gcs_audited, azure
        if bucket.type in S3_BUCKETS:
            targets = [strings(c.get("targetBucket")) for c in s3[bucket.urn]]
            inline: Any = bucket.get("logging", "targetBucket")
            if any(targets) or inline:
                return None
            return "no server access logging (BucketLogging)"
        if bucket.type == GCS_BUCKET:
            if bucket.get("logging", "logBucket"):
                return None
            if gcs_audited is None:
                gcs_audited = _gcs_audited(stack)
            return None if gcs_audited else GCS_GAP
        if azure is None:
            azure = _azure_logged(stack)
        if azure.get(bucket.urn):
            return None
        return "no diagnostic setting logs StorageRead, StorageWrite and StorageDelete on its blob service"

    return gap
