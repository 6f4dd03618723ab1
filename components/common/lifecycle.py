"""Bucket lifecycle rules that are the same on every cloud that has them."""

from __future__ import annotations

from blueprint.catalog import Cloud, StorageClass, load_catalog
from blueprint.model import Bucket

NONCURRENT_TIER_AFTER_DAYS = 30  # an old version moves this long after it was replaced


def noncurrent_tier(bucket: Bucket, cloud: Cloud) -> StorageClass | None:
    """The class old versions move to `NONCURRENT_TIER_AFTER_DAYS` after they were replaced:
    the bucket's first tier, when they live long enough there to pay for its minimum storage
    duration. None when the bucket keeps no versions or they expire sooner (S3 and Azure; GCS
    only deletes them)."""
    if not bucket.versioning:
        return None
    first = load_catalog().storage_class(bucket.tiers[0].storage_class, cloud)
    if bucket.noncurrent_version_expire_days < NONCURRENT_TIER_AFTER_DAYS + first.min_storage_days:
        return None
    return first
