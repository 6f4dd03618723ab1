"""MLP-010 buckets-in-cluster-region on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.buckets_in_cluster_region import RULE
from mlp_policies.resources import Resource

from tests.policies.shapes import (
    DELETE,
    U_STRING,
    aws_bucket,
    aws_cluster,
    azure_account,
    azure_cluster,
    changed,
    gcp_bucket,
    gcp_cluster,
    stack_verdict,
)

INHERITS = {"region": DELETE, "bucketRegionalDomainName": DELETE}


def with_provider(resource: Resource, provider: dict[str, Any]) -> Resource:
    return Resource(type=resource.type, name=resource.name, props=resource.props, urn=resource.urn, provider=provider)


CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_same_region": ([aws_cluster(), aws_bucket()], set()),
    "pass_aws_both_from_the_same_provider": (
        [changed(aws_cluster(), {"arn": DELETE}), changed(aws_bucket(), INHERITS)],
        set(),
    ),
    "pass_aws_bucket_region_from_its_provider": (
        [aws_cluster(), with_provider(changed(aws_bucket(), INHERITS), {"region": "eu-west-1"})],
        set(),
    ),
    "fail_aws_bucket_in_other_region": (
        [aws_cluster(), aws_bucket(region="us-east-1")],
        {
            (
                "datasets-bucket",
                "bucket datasets-bucket is in us-east-1, but the cluster is not (Cluster cluster-eks in eu-west-1): "
                "cross-region transfer costs",
            )
        },
    ),
    "pass_gcp_same_region": ([gcp_cluster(), gcp_bucket()], set()),
    "pass_gcp_zonal_cluster_in_the_bucket_region": ([gcp_cluster("europe-west4-b"), gcp_bucket()], set()),
    "fail_gcp_multi_region_bucket": (
        [gcp_cluster(), gcp_bucket(location="EU")],
        {
            (
                "datasets-bucket",
                "bucket datasets-bucket is in eu, but the cluster is not (Cluster cluster in europe-west4): "
                "cross-region transfer costs",
            )
        },
    ),
    "pass_azure_same_region_display_name": ([azure_cluster("West Europe"), azure_account()], set()),
    "fail_azure_account_in_other_region": (
        [azure_cluster(), azure_account(location="northeurope")],
        {
            (
                "datasets-account",
                "bucket datasets-account is in northeurope, but the cluster is not (ManagedCluster aks in westeurope): "
                "cross-region transfer costs",
            )
        },
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_no_cluster_is_not_applicable() -> None:
    assert stack_verdict(RULE, [aws_bucket()]) == ({"not-applicable"}, set(), set())


def test_a_bucket_of_another_cloud_is_not_applicable() -> None:
    assert stack_verdict(RULE, [aws_cluster(), gcp_bucket()]) == ({"not-applicable"}, set(), set())


@pytest.mark.parametrize(
    "resources",
    [
        [aws_cluster(), changed(aws_bucket(), {"region": U_STRING})],
        [gcp_cluster(), changed(gcp_bucket(), {"location": U_STRING})],
        [azure_cluster(), with_provider(changed(azure_account(), {"location": DELETE}), {"location": U_STRING})],
    ],
    ids=["unknown_aws_region", "unknown_gcp_location", "unknown_azure_location"],
)
def test_unknown_regions_are_not_a_failure(resources: list[Any]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources)
    assert (statuses, failures) == ({"unknown"}, set())
    assert unknowns == {resources[1].name}
