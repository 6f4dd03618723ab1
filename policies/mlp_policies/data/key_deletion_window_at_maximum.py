"""MLP-025: a scheduled key deletion can be cancelled for as long as the cloud allows.

Deleting a customer key makes everything encrypted with it unreadable; the deletion window is
the time in which a mistake (or an attacker) can still be undone.

- AWS KMS keys (`Key`, `ReplicaKey`, `ExternalKey`): `deletionWindowInDays` at least
  `minAwsDeletionWindowDays` (30, AWS's maximum; unset means AWS's default of 30).
- Cloud KMS crypto keys: `destroyScheduledDuration` at least `minGcpDestroyScheduledDays`
  where set (unset means Cloud KMS's default of 30 days). Cloud KMS allows up to 120 days;
  the default minimum is 30, the longest window the blueprint's `deletionWindowDays` allows.
- Key Vault: purge protection on, soft delete not disabled, and `softDeleteRetentionInDays`
  at least `minAzureSoftDeleteDays` (90, Azure's maximum and default).
"""

from __future__ import annotations

import re

from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail
from mlp_policies.values import as_bool, as_number, fmt

AWS_KEYS = frozenset({"aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/externalKey:ExternalKey"})
GCP_CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
AZURE_VAULT = "azure-native:keyvault:Vault"
AWS_DEFAULT_WINDOW_DAYS = 30.0
GCP_DEFAULT_DESTROY_DAYS = 30.0
AZURE_DEFAULT_RETENTION_DAYS = 90.0
SECONDS_PER_DAY = 86_400
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")


def _days(n: float) -> str:
    return f"{fmt(n)} day" + ("" if n == 1 else "s")


def _aws(key: Resource, minimum: float) -> Outcome:
    window = as_number(key.get("deletionWindowInDays"))
    days = AWS_DEFAULT_WINDOW_DAYS if window is None else window
    if days < minimum:
        return fail(f"{key} can be deleted {_days(days)} after deletion is scheduled (at least {_days(minimum)})")
    return PASS


def _gcp(key: Resource, minimum: float) -> Outcome:
    duration = key.get("destroyScheduledDuration")
    if duration is None:
        days = GCP_DEFAULT_DESTROY_DAYS
    else:
        found = _DURATION.match(str(duration))
        if found is None:
            return fail(f"{key}: destroyScheduledDuration {duration!r} is not a duration in seconds ('2592000s')")
        days = float(found.group(1)) / SECONDS_PER_DAY
    if days < minimum:
        return fail(
            f"{key} versions are destroyed {_days(days)} after destruction is scheduled (at least {_days(minimum)})"
        )
    return PASS


def _azure(vault: Resource, minimum: float) -> Outcome:
    messages = []
    if as_bool(vault.get("properties", "enablePurgeProtection")) is not True:
        messages.append(f"{vault} has no purge protection: a deleted key can be purged before its retention ends")
    if as_bool(vault.get("properties", "enableSoftDelete")) is False:
        messages.append(f"{vault} disables soft delete")
    retention = as_number(vault.get("properties", "softDeleteRetentionInDays"))
    days = AZURE_DEFAULT_RETENTION_DAYS if retention is None else retention
    if days < minimum:
        messages.append(f"{vault} keeps deleted keys {_days(days)} (at least {_days(minimum)})")
    return fail(*messages) if messages else PASS


def check(resource: Resource, config: Config) -> Outcome:
    if resource.type in AWS_KEYS:
        return _aws(resource, float(config["minAwsDeletionWindowDays"]))
    if resource.type == GCP_CRYPTO_KEY:
        return _gcp(resource, float(config["minGcpDestroyScheduledDays"]))
    return _azure(resource, float(config["minAzureSoftDeleteDays"]))


RULE = ResourceRule(
    id="MLP-025",
    name="key-deletion-window-at-maximum",
    description="Customer keys keep the longest deletion window: AWS 30 days, Cloud KMS as configured, Key Vault "
    "purge protection with 90 days of soft delete.",
    severity="high",
    resource_types=AWS_KEYS | {GCP_CRYPTO_KEY, AZURE_VAULT},
    remediation=(
        "Leave encryption.deletionWindowDays at 30 (the default) in the blueprint; the key components set the "
        "window, and the Key Vault component turns on purge protection with 90 days of soft delete."
    ),
    equivalents=("CKV_AZURE_42", "CKV_AZURE_110"),
    config={
        "minAwsDeletionWindowDays": {
            "type": "integer",
            "minimum": 7,
            "maximum": 30,
            "default": 30,
            "description": "Shortest KMS key deletion window allowed (AWS allows 7-30 days).",
        },
        "minGcpDestroyScheduledDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": 120,
            "default": 30,
            "description": "Shortest Cloud KMS destroy-scheduled duration allowed, in days (Cloud KMS allows up to "
            "120).",
        },
        "minAzureSoftDeleteDays": {
            "type": "integer",
            "minimum": 7,
            "maximum": 90,
            "default": 90,
            "description": "Shortest Key Vault soft-delete retention allowed (Azure allows 7-90 days).",
        },
    },
    check=check,
)
