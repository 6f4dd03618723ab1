"""MLP-026 resources-in-compliance-regions on fixture properties of all three clouds; the
stack's regimes come from a stand-in blueprint, and once from the shipped stack files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from mlp_policies.compliance.resources_in_compliance_regions import RULE
from mlp_policies.resources import Resource, Stack

from blueprint.catalog import load_catalog
from tests.policies.data.fixtures import aws_eks_cluster, aws_kms_key, prod_bucket, regimes, stack_blueprint
from tests.policies.shapes import (
    U_STRING,
    azure_account,
    changed,
    env_config,
    gcp_bucket,
    gcp_gpu_node_pool,
    res,
    stack_verdict,
)

ROOT = Path(__file__).resolve().parents[3]
PROD = env_config("prod", RULE)
AWS_EU = "eu-central-1, eu-north-1, eu-west-1"
GCP_EU = "europe-north1, europe-west1, europe-west4, eu"
AZURE_EU = "northeurope, swedencentral, westeurope"
US_BUCKET = changed(
    prod_bucket(),
    {"region": "us-east-1", "bucketRegionalDomainName": "datasets-bucket-55a8162.s3.us-east-1.amazonaws.com"},
)


def outside(what: str, region: str, allowed: str) -> str:
    return f"{what} is in {region}, outside the regions gdpr allows ({allowed})"


def on_provider(resource: Resource, region: str) -> Resource:
    return dataclasses.replace(resource, provider={"region": region})


CASES: dict[str, tuple[tuple[str, ...], list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_gdpr_in_ireland": (("gdpr",), [prod_bucket(), aws_eks_cluster(), aws_kms_key()], set()),
    "pass_aws_no_regime": (("",), [US_BUCKET], set()),
    "pass_aws_regime_without_region_limits": (("hipaa",), [US_BUCKET], set()),
    "fail_aws_gdpr_bucket_in_virginia": (
        ("gdpr",),
        [US_BUCKET, aws_eks_cluster()],
        {("datasets-bucket", outside("Bucket datasets-bucket", "us-east-1", AWS_EU))},
    ),
    "fail_aws_gdpr_cluster_arn_in_oregon": (
        ("gdpr", "hipaa"),
        [changed(aws_eks_cluster(), {"arn": "arn:aws:eks:us-west-2:123456789012:cluster/ml-platform-aws-prod"})],
        {("cluster-eks", outside("Cluster cluster-eks", "us-west-2", AWS_EU))},
    ),
    "fail_aws_gdpr_key_on_a_us_provider": (
        ("gdpr",),
        [on_provider(aws_kms_key(), "us-east-1")],
        {("platform-key", outside("Key platform-key", "us-east-1", AWS_EU))},
    ),
    "pass_gcp_gdpr_in_netherlands_and_eu_multi_region": (
        ("gdpr",),
        [gcp_bucket(), gcp_bucket("models", location="EU"), gcp_gpu_node_pool()],
        set(),
    ),
    "fail_gcp_gdpr_bucket_in_us_multi_region": (
        ("gdpr",),
        [gcp_bucket(location="US")],
        {("datasets-bucket", outside("Bucket datasets-bucket", "us", GCP_EU))},
    ),
    "fail_gcp_gdpr_zonal_pool_in_iowa": (
        ("gdpr",),
        [changed(gcp_gpu_node_pool(), {"location": "us-central1-a"})],
        {("dev-l4", outside("NodePool dev-l4", "us-central1", GCP_EU))},
    ),
    "pass_azure_gdpr_in_west_europe": (("gdpr",), [azure_account()], set()),
    "fail_azure_gdpr_account_in_east_us": (
        ("gdpr",),
        [azure_account(), azure_account("models", location="East US")],
        {("models-account", outside("StorageAccount models-account", "eastus", AZURE_EU))},
    ),
}


@pytest.mark.parametrize(("declared", "resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(
    monkeypatch: pytest.MonkeyPatch,
    declared: tuple[str, ...],
    resources: list[Any],
    expected: set[tuple[str | None, str]],
) -> None:
    with stack_blueprint(monkeypatch, regimes(*(d for d in declared if d))) as asked:
        statuses, failures, unknowns = stack_verdict(RULE, resources, PROD)
    assert asked == ["dev"]  # the stack named in the fixtures' URNs
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_the_gdpr_list_holds_every_eu_region_of_the_catalog() -> None:
    catalog = load_catalog()
    eu = {r for cloud in catalog.regions for r, geo in catalog.regions[cloud].items() if geo == "eu"}
    assert set(RULE.defaults()["allowedRegions"]["gdpr"]) == eu | {"eu"}
    for env in ("dev", "staging", "prod"):
        assert set(env_config(env, RULE)["allowedRegions"]["gdpr"]) >= eu


def test_a_resource_without_region_is_not_judged_and_none_at_all_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    iam = res("aws:iam/role:Role", "trainer-role", {"arn": "arn:aws:iam::123456789012:role/trainer"})
    with stack_blueprint(monkeypatch, regimes("gdpr")):
        statuses, failures, unknowns = stack_verdict(RULE, [iam], PROD)
    assert (statuses, failures, unknowns) == ({"not-applicable", "unknown"}, set(), {None})


def test_unknown_region_is_not_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    with stack_blueprint(monkeypatch, regimes("gdpr")):
        statuses, failures, unknowns = stack_verdict(RULE, [changed(azure_account(), {"location": U_STRING})], PROD)
    assert (statuses, failures, unknowns) == ({"unknown"}, set(), {"datasets-account"})


def test_regimes_come_from_the_shipped_stack_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # As the pack runs: from policies/, the stack named by the URNs (aws-prod declares gdpr).
    monkeypatch.chdir(ROOT / "policies")
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    bucket = dataclasses.replace(US_BUCKET, urn=US_BUCKET.urn.replace(":dev::", ":aws-prod::"))
    findings = RULE.evaluate(Stack((bucket,)), PROD)
    assert [m for f in findings for m in f.outcome.messages] == [outside("Bucket datasets-bucket", "us-east-1", AWS_EU)]
    monkeypatch.setenv("PULUMI_STACK", "aws-dev")  # $PULUMI_STACK wins; aws-dev declares no regime
    assert [f.outcome.status for f in RULE.evaluate(Stack((bucket,)), PROD)] == ["pass"]


def test_a_stack_without_blueprint_is_unknown_not_compliant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "policies")
    monkeypatch.setenv("PULUMI_STACK", "no-such-stack")
    (finding,) = RULE.evaluate(Stack((US_BUCKET,)), PROD)
    assert finding.subject is None
    assert finding.outcome.status == "unknown"
    assert finding.outcome.reason == (
        "the compliance regimes of stack no-such-stack are unknown: "
        "stacks/Pulumi.no-such-stack.yaml: no such stack file"
    )


def test_azure_action_groups_take_only_global_and_are_not_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Action groups accept only the `global` location
    (https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups); a storage account
    there would still fail."""
    group = res("azure-native:monitor:ActionGroup", "alerts-group", {"location": "global"})
    with stack_blueprint(monkeypatch, regimes("gdpr")):
        statuses, failures, _ = stack_verdict(RULE, [group], PROD)
        assert "not-applicable" in statuses and "fail" not in statuses and failures == set()
        statuses, failures, _ = stack_verdict(RULE, [changed(azure_account(), {"location": "global"})], PROD)
    assert "fail" in statuses and failures
