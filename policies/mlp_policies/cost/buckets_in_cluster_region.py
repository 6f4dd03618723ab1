"""MLP-010: buckets live in their cluster's region.

Reading training data across regions is billed per GB and slows every epoch. Each bucket
(S3 bucket, GCS bucket, Azure storage account) must be in the region of a cluster of the same
cloud in the stack (EKS, GKE, AKS); a GCS multi- or dual-region location is not the region.

Regions come from the resource itself (`region`/`location`), else from its ARN or regional
endpoint, else from its provider's configuration; two resources that both take their
region from the same provider default are in the same region.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable, unknown
from mlp_policies.storage import AZURE_ACCOUNT, GCS_BUCKET, S3_BUCKETS
from mlp_policies.values import Unknown, get

CLUSTERS = frozenset(
    {"aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster", "azure-native:containerservice:ManagedCluster"}
)
_ARN_REGION = re.compile(r"^arn:[^:]+:[^:]+:([a-z0-9-]+):")
_S3_ENDPOINT = re.compile(r"\.s3[.-]([a-z0-9-]+)\.amazonaws\.com")
_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")


def _own_region(r: Resource) -> str | None:
    """The region the resource states or reveals itself; None if it inherits it."""
    if r.cloud == "aws":
        if r.get("region"):
            return str(r.get("region")).lower()
        for prop, pattern in (("arn", _ARN_REGION), ("bucketRegionalDomainName", _S3_ENDPOINT)):
            try:
                found = pattern.search(str(r.get(prop, default="")))
            except Unknown:  # computed after creation: says nothing during preview
                continue
            if found and found.group(1):
                return found.group(1)
        return None
    location = r.get("location")
    if not location:
        return None
    text = str(location).lower().replace(" ", "")
    if r.cloud == "gcp":
        zone = _GCP_ZONE.match(text)
        return zone.group(1) if zone else text
    return text


def _provider_region(r: Resource) -> str | None:
    provider: Mapping[str, Any] = r.provider or {}
    for key in ("region", "location"):
        region = get(provider, key)
        if region:
            return str(region).lower().replace(" ", "")
    return None


def _region(r: Resource) -> str | None:
    return _own_region(r) or _provider_region(r)


def _same_region(bucket: Resource, clusters: list[Resource]) -> Outcome:
    region = _region(bucket)
    regions = [_region(c) for c in clusters]
    if region is None or any(r is None for r in regions):
        # Both inherit the region: from the same provider they are in the same place.
        if (
            region is None
            and all(_own_region(c) is None for c in clusters)
            and all(c.provider == bucket.provider for c in clusters)
        ):
            return PASS
        return unknown(f"the region of {bucket} or its cluster (set by the provider)")
    if region in regions:
        return PASS
    where = ", ".join(f"{c} in {r}" for c, r in zip(clusters, regions, strict=True))
    return fail(f"bucket {bucket.name} is in {region}, but the cluster is not ({where}): cross-region transfer costs")


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    clusters = stack.of_type(CLUSTERS)
    if not clusters:
        yield Finding(None, not_applicable("the stack has no cluster"))
        return
    buckets = stack.of_type(S3_BUCKETS, [GCS_BUCKET, AZURE_ACCOUNT])
    if not buckets:
        yield Finding(None, not_applicable("the stack has no buckets"))
    for bucket in buckets:
        same_cloud = [c for c in clusters if c.cloud == bucket.cloud]
        if not same_cloud:
            yield Finding(bucket, not_applicable(f"no {bucket.cloud} cluster in the stack"))
            continue
        yield judge(bucket, partial(_same_region, bucket, same_cloud))


RULE = StackRule(
    id="MLP-010",
    name="buckets-in-cluster-region",
    description="Buckets are in their cluster's region (no cross-region transfer cost or latency).",
    severity="medium",
    resource_types=CLUSTERS | S3_BUCKETS | {GCS_BUCKET, AZURE_ACCOUNT},
    remediation=(
        "Create the bucket in the blueprint's region (the tiered bucket components do); GCS buckets need the "
        "cluster's region as location, not a multi-region."
    ),
    check=check,
)
