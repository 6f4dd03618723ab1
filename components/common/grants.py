"""Bucket grants from a blueprint workload, the same on every cloud: each cloud's
TieredBucket knows how to grant read or read-write to its own kind of identity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar

from blueprint.model import Access

Identity_contra = TypeVar("Identity_contra", contravariant=True)


class GrantableBucket(Protocol[Identity_contra]):
    def grant_read(self, identity: Identity_contra) -> None: ...

    def grant_write(self, identity: Identity_contra) -> None: ...


class BucketGrants(Protocol):
    """A blueprint item with `buckets` (bucket name -> access): a workload, a VM group."""

    @property
    def buckets(self) -> dict[str, Access]: ...


def grant_bucket_access(
    workload: BucketGrants, identity: Identity_contra, buckets: Mapping[str, GrantableBucket[Identity_contra]]
) -> None:
    """`workloads[].buckets` and `autoscalingGroups[].buckets`: read grants list/get,
    readwrite adds put/delete (and the key use each cloud's encryption needs)."""
    for bucket_name, access in sorted(workload.buckets.items()):
        if access == "readwrite":
            buckets[bucket_name].grant_write(identity)
        else:
            buckets[bucket_name].grant_read(identity)
