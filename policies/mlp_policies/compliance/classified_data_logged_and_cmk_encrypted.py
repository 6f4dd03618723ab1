"""MLP-027: buckets holding `restricted` or `confidential` data log every access and are
encrypted with a customer-managed key.

The classification is the bucket's `data-classification` tag (label on GCP), which the tagging
transform sets on every resource from the blueprint's `dataClassification`; the levels that
require this are `classifications`.

- Access logging: see `_access_logs.py` (S3 server access logs, GCS Data Access audit logs or
  usage logs, Azure blob diagnostic settings). The buckets receiving the logs are exempt.
  `waiveAccessLoggingOn` lists clouds whose buckets are not required to log access (for a
  component that cannot log yet; the customer key is still required there). The shipped
  configs waive none.
- Customer key: S3 SSE-KMS (or DSSE-KMS) with a key id in the joined encryption configuration,
  except the S3 access-log target, which S3 can only deliver to with SSE-S3; GCS
  `encryption.defaultKmsKeyName`; Azure `encryption.keySource: Microsoft.Keyvault` with a key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from mlp_policies.compliance._access_logs import LOG_TYPES, gaps, log_targets
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.storage import (
    AZURE_ACCOUNT,
    GCS_BUCKET,
    S3_BUCKETS,
    S3_ENCRYPTION,
    access_log_buckets,
    s3_attachments,
)
from mlp_policies.tags import resource_tags

CLASSIFICATION_TAG = "data-classification"
KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})
AZURE_KEY_VAULT_SOURCE = "microsoft.keyvault"


def classification(resource: Resource) -> str | None:
    """The `data-classification` tag or label (raises Unknown while the tags are unknown)."""
    value = (resource_tags(resource) or {}).get(CLASSIFICATION_TAG)
    return str(value).lower() if value else None


def _s3_cmk(bucket: Resource, configs: list[Resource]) -> bool:
    defaults: list[Mapping[str, Any]] = []
    for config in configs:
        for rule in config.get("rules", default=[]):
            if isinstance(rule, Mapping):
                defaults.append(rule.get("applyServerSideEncryptionByDefault") or {})
    inline = bucket.get("serverSideEncryptionConfiguration", "rule", "applyServerSideEncryptionByDefault")
    if isinstance(inline, Mapping):
        defaults.append(inline)
    return any(d.get("sseAlgorithm") in KMS_ALGORITHMS and d.get("kmsMasterKeyId") for d in defaults)


def _has_cmk(bucket: Resource, s3: Mapping[str, list[Resource]]) -> bool:
    if bucket.type in S3_BUCKETS:
        return _s3_cmk(bucket, s3[bucket.urn])
    if bucket.type == GCS_BUCKET:
        return bool(bucket.get("encryption", "defaultKmsKeyName"))
    source = str(bucket.get("encryption", "keySource", default="")).lower()
    return source == AZURE_KEY_VAULT_SOURCE and bool(bucket.get("encryption", "keyVaultProperties", "keyName"))


def _judge(
    bucket: Resource,
    *,
    levels: frozenset[str],
    waived: frozenset[str],
    gap: Callable[[Resource], str | None],
    s3: Mapping[str, list[Resource]],
    targets: set[str],
    sse_s3_targets: set[str],
) -> Outcome:
    level = classification(bucket)
    if level not in levels:
        return PASS  # judged: its data needs neither
    what = f"{bucket} holds {level} data"
    messages = []
    if bucket.urn not in targets and bucket.cloud not in waived:
        missing = gap(bucket)
        if missing:
            messages.append(f"{what} but does not log access: {missing}")
    if bucket.urn not in sse_s3_targets and not _has_cmk(bucket, s3):
        messages.append(f"{what} but is not encrypted with a customer-managed key")
    return fail(*messages) if messages else PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    buckets = stack.of_type(S3_BUCKETS, [GCS_BUCKET, AZURE_ACCOUNT])
    if not buckets:
        yield Finding(None, not_applicable("the stack has no buckets or storage accounts"))
        return
    levels = frozenset(str(c).lower() for c in config["classifications"])
    waived = frozenset(config["waiveAccessLoggingOn"])
    judge_one = partial(
        _judge,
        levels=levels,
        waived=waived,
        gap=gaps(stack),
        s3=s3_attachments(stack, S3_ENCRYPTION),
        targets=log_targets(stack),
        sse_s3_targets=access_log_buckets(stack),
    )
    for bucket in buckets:
        yield judge(bucket, partial(judge_one, bucket))


RULE = StackRule(
    id="MLP-027",
    name="classified-data-logged-and-cmk-encrypted",
    description="Buckets holding restricted or confidential data log every access and are encrypted with a "
    "customer-managed key.",
    severity="high",
    resource_types=S3_BUCKETS | S3_ENCRYPTION | LOG_TYPES | {GCS_BUCKET, AZURE_ACCOUNT},
    remediation=(
        "Keep dataClassification accurate in the blueprint: for confidential and restricted data the platform adds "
        "an access-log bucket and logs every bucket into it (AWS), turns on Data Access audit logs for Cloud "
        "Storage (GCP; usage logs too with gcp.usageLogs) or a blob diagnostic setting to the workspace (Azure), "
        "and every bucket uses the platform key."
    ),
    equivalents=("CKV_AWS_18", "CKV_GCP_62", "CKV_AWS_145", "CKV_GCP_65", "CKV2_AZURE_1"),
    config={
        "classifications": {
            "type": "array",
            "items": {"type": "string", "enum": ["public", "internal", "confidential", "restricted"]},
            "uniqueItems": True,
            "default": ["confidential", "restricted"],
            "description": "Data classifications (data-classification tag) that require access logs and a "
            "customer key.",
        },
        "waiveAccessLoggingOn": {
            "type": "array",
            "items": {"type": "string", "enum": ["aws", "gcp", "azure"]},
            "uniqueItems": True,
            "default": [],
            "description": "Clouds whose buckets need not log access (a known gap of their components).",
        },
    },
    check=check,
)
