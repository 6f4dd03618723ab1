"""Storage access logging, the same rule on every cloud: data classified confidential or
restricted has its bucket access logged. AWS and GCP log into a bucket of the stack's own
(`ACCESS_LOG_BUCKET`); Azure sends blob logs to the cluster's Log Analytics workspace."""

from __future__ import annotations

from blueprint.model import Blueprint, Bucket, Tier

LOGGED_CLASSIFICATIONS = ("confidential", "restricted")
ACCESS_LOG_BUCKET = Bucket(
    name="access-logs",
    purpose="logs",
    expected_size_gib=10,
    tiers=(Tier(storage_class="infrequent", after_days=30),),
    expire_after_days=365,
    retain=False,
)


def logs_access(bp: Blueprint) -> bool:
    """Whether the blueprint's buckets log their access (by its data classification)."""
    return bp.data_classification in LOGGED_CLASSIFICATIONS
