"""MLP-014: customer-managed keys rotate automatically, at least as often as configured.

- AWS KMS: `enableKeyRotation` on, `rotationPeriodInDays` (default 365) at most
  `maxAwsRotationDays`. Asymmetric, HMAC and imported (`origin` EXTERNAL) keys cannot rotate
  automatically and are not applicable.
- Cloud KMS: a symmetric (`ENCRYPT_DECRYPT`) key's `rotationPeriod` is set and at most
  `maxGcpRotationDays` (90 by default, the CIS benchmark's limit).
- Key Vault: the key's `rotationPolicy` has a `rotate` lifetime action, triggered
  `timeAfterCreate` or `timeBeforeExpiry` (against the policy's `expiryTime`), at most every
  `maxAzureRotationDays`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail, not_applicable
from mlp_policies.values import as_bool, as_number, fmt

AWS_KEY = "aws:kms/key:Key"
GCP_KEY = "gcp:kms/cryptoKey:CryptoKey"
AZURE_KEY = "azure-native:keyvault:Key"
AWS_DEFAULT_ROTATION_DAYS = 365.0
_ISO_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$", re.IGNORECASE)
_SECONDS = re.compile(r"^(\d+(?:\.\d+)?)s$")


def iso_days(duration: Any) -> float | None:
    """`P90D` -> 90, `P1Y` -> 365, `P1M` -> 30 (Key Vault's ISO 8601 durations, in days)."""
    found = _ISO_DURATION.match(str(duration or "").strip())
    if not found or not any(found.groups()):
        return None
    years, months, weeks, days = (int(g or 0) for g in found.groups())
    return float(years * 365 + months * 30 + weeks * 7 + days)


def _aws(key: Resource, limit: float) -> Outcome:
    spec = key.get("customerMasterKeySpec") or key.get("keySpec") or "SYMMETRIC_DEFAULT"
    if spec != "SYMMETRIC_DEFAULT" or key.get("keyUsage", default="ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
        return not_applicable(f"key {key.name} is {spec}: KMS rotates only symmetric encryption keys")
    if key.get("origin", default="AWS_KMS") == "EXTERNAL":
        return not_applicable(f"key {key.name} has imported key material, which KMS cannot rotate")
    if as_bool(key.get("enableKeyRotation")) is not True:
        return fail(f"key {key.name} does not rotate (enableKeyRotation is off)")
    period = as_number(key.get("rotationPeriodInDays")) or AWS_DEFAULT_ROTATION_DAYS
    if period > limit:
        return fail(f"key {key.name} rotates every {fmt(period)} days, more than {fmt(limit)}")
    return PASS


def _gcp(key: Resource, limit: float) -> Outcome:
    purpose = key.get("purpose", default="ENCRYPT_DECRYPT")
    if purpose != "ENCRYPT_DECRYPT":
        return not_applicable(f"key {key.name} is {purpose}: Cloud KMS rotates only symmetric encryption keys")
    period = key.get("rotationPeriod")
    if not period:
        return fail(f"key {key.name} does not rotate (no rotationPeriod)")
    seconds = _SECONDS.match(str(period))
    if seconds is None:
        return fail(f"key {key.name} has an unreadable rotationPeriod {period!r}")
    days = float(seconds.group(1)) / 86400
    if days > limit:
        return fail(f"key {key.name} rotates every {fmt(days)} days, more than {fmt(limit)}")
    return PASS


def _azure_interval(policy: Mapping[str, Any], action: Mapping[str, Any]) -> float | None:
    trigger = action.get("trigger") or {}
    if trigger.get("timeAfterCreate"):
        return iso_days(trigger["timeAfterCreate"])
    expiry = iso_days((policy.get("attributes") or {}).get("expiryTime"))
    before = iso_days(trigger.get("timeBeforeExpiry"))
    return expiry - before if expiry is not None and before is not None else None


def _azure(key: Resource, limit: float) -> Outcome:
    policy = key.get("properties", "rotationPolicy", default={})
    rotations = [
        a
        for a in policy.get("lifetimeActions") or []
        if isinstance(a, Mapping) and str((a.get("action") or {}).get("type", "")).lower() == "rotate"
    ]
    if not rotations:
        return fail(f"key {key.name} has no rotation policy with a rotate action")
    intervals = [_azure_interval(policy, a) for a in rotations]
    known_intervals = [i for i in intervals if i is not None]
    if not known_intervals:
        return fail(f"key {key.name}: the rotate action has no timeAfterCreate, nor a timeBeforeExpiry and expiryTime")
    if min(known_intervals) > limit:
        return fail(f"key {key.name} rotates every {fmt(min(known_intervals))} days, more than {fmt(limit)}")
    return PASS


def check(resource: Resource, config: Config) -> Outcome:
    if resource.type == AWS_KEY:
        return _aws(resource, float(config["maxAwsRotationDays"]))
    if resource.type == GCP_KEY:
        return _gcp(resource, float(config["maxGcpRotationDays"]))
    return _azure(resource, float(config["maxAzureRotationDays"]))


def _days(default: int, minimum: int, what: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "default": default, "description": what}


RULE = ResourceRule(
    id="MLP-014",
    name="keys-rotate",
    description="Customer-managed keys rotate automatically: AWS KMS rotation on, Cloud KMS rotation period at "
    "most 90 days, Key Vault rotation policy with a rotate action.",
    severity="medium",
    resource_types=frozenset({AWS_KEY, GCP_KEY, AZURE_KEY}),
    remediation=(
        "Create keys with the encryption key components, which turn rotation on (AWS 365 days, Cloud KMS 90 days, "
        "Key Vault rotation policy). Hand-written keys need enableKeyRotation (AWS), rotationPeriod (GCP) or a "
        "rotationPolicy with a rotate lifetime action (Azure), within the limits in policies/config/<env>.json."
    ),
    equivalents=("CKV_AWS_7", "CKV_GCP_43"),
    config={
        # KMS accepts rotation periods of 90 to 2560 days.
        "maxAwsRotationDays": _days(365, 90, "Longest AWS KMS rotation period allowed, in days."),
        "maxGcpRotationDays": _days(90, 1, "Longest Cloud KMS rotation period allowed, in days."),
        "maxAzureRotationDays": _days(365, 1, "Longest interval between Key Vault key rotations, in days."),
    },
    check=check,
)
