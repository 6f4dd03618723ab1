"""MLP-013: buckets accept only TLS connections.

- S3: a `BucketPolicy` joined to the bucket denies every principal all S3 actions (`s3:*` or
  `*`) on the bucket's objects when `aws:SecureTransport` is false (S3 otherwise accepts
  plain HTTP).
- Azure: the storage account keeps `enableHttpsTrafficOnly` on (the ARM property
  `supportsHttpsTrafficOnly`; on by default, so only an explicit false fails) and sets
  `minimumTlsVersion` to at least `minimumTlsVersion` (left unset, Azure accepts TLS 1.0).
- GCS serves only HTTPS: nothing to configure, so GCS buckets are not read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from mlp_policies.documents import Statement, statements
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.storage import AZURE_ACCOUNT, S3_BUCKETS, S3_POLICY, s3_attachments
from mlp_policies.values import as_bool

TLS_VERSIONS = ("TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3")


def _condition_false(condition: Mapping[str, Any]) -> bool:
    """`{"Bool": {"aws:SecureTransport": "false"}}` (keys are case-insensitive in IAM)."""
    for operator, tests in condition.items():
        if operator.lower() not in ("bool", "bool:ifexists") or not isinstance(tests, Mapping):
            continue
        for key, value in tests.items():
            values = value if isinstance(value, list) else [value]
            if key.lower() == "aws:securetransport" and any(as_bool(v) is False for v in values):
                return True
    return False


def _denies_plain_http(statement: Statement) -> bool:
    return (
        statement.effect == "Deny"
        and not statement.negated_actions
        and any(a in ("*", "s3:*") for a in statement.actions)
        and "*" in statement.principals
        and any(r == "*" or r.endswith("/*") for r in statement.resources)
        and _condition_false(statement.condition)
    )


def _s3(bucket: Resource, policies: list[Resource]) -> Outcome:
    for policy in policies:
        found = statements(policy.get("policy"), f"{policy.name}.policy") or []
        if any(_denies_plain_http(s) for s in found):
            return PASS
    if not policies:
        return fail(f"bucket {bucket.name} has no bucket policy denying requests without TLS")
    return fail(
        f"bucket {bucket.name}: no bucket policy statement denies s3:* to every principal when "
        "aws:SecureTransport is false"
    )


def _azure(account: Resource, minimum: str) -> Outcome:
    messages = []
    if as_bool(account.get("enableHttpsTrafficOnly", default=True)) is False:
        messages.append(f"storage account {account.name} accepts plain HTTP (enableHttpsTrafficOnly is false)")
    version = str(account.get("minimumTlsVersion", default=""))
    if version not in TLS_VERSIONS or TLS_VERSIONS.index(version) < TLS_VERSIONS.index(minimum):
        shown = version or "unset (TLS1_0)"
        messages.append(f"storage account {account.name}: minimumTlsVersion is {shown}, below {minimum}")
    return fail(*messages) if messages else PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    buckets = stack.of_type(S3_BUCKETS, [AZURE_ACCOUNT])
    if not buckets:
        yield Finding(None, not_applicable("the stack has no S3 buckets or storage accounts"))
        return
    policies = s3_attachments(stack, S3_POLICY)
    minimum = str(config["minimumTlsVersion"])
    for bucket in buckets:
        if bucket.type in S3_BUCKETS:
            yield judge(bucket, partial(_s3, bucket, policies[bucket.urn]))
        else:
            yield judge(bucket, partial(_azure, bucket, minimum))


RULE = StackRule(
    id="MLP-013",
    name="buckets-require-tls",
    description="Buckets accept only TLS: S3 bucket policies deny aws:SecureTransport=false; Azure storage "
    "accounts are HTTPS-only with TLS 1.2 or newer.",
    severity="high",
    resource_types=S3_BUCKETS | S3_POLICY | {AZURE_ACCOUNT},
    remediation=(
        "Create buckets with the tiered bucket components, whose bucket policy denies insecure transport and whose "
        "storage accounts require HTTPS and TLS 1.2. Hand-written S3 buckets need a BucketPolicy statement with "
        'Effect Deny, Principal "*", Action s3:*, the bucket\'s objects and Condition Bool aws:SecureTransport '
        "false; storage accounts need enableHttpsTrafficOnly true and minimumTlsVersion TLS1_2."
    ),
    equivalents=("CKV_AZURE_3", "CKV_AZURE_44"),
    config={
        "minimumTlsVersion": {
            "type": "string",
            "enum": ["TLS1_2", "TLS1_3"],
            "default": "TLS1_2",
            "description": "Lowest TLS version an Azure storage account may accept.",
        },
    },
    check=check,
)
