"""MLP-041 cost-high-estimate-within-budget (advisory): the estimator's high monthly cost
(every pool at its maximum) against the blueprint's budget, on fixture stacks of all three
clouds with hand-computed figures (730 h a month)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mlp_policies.cost.cost_high_estimate_within_budget import RULE
from mlp_policies.resources import Stack

from tests.policies.data.fixtures import budgeted, stack_blueprint
from tests.policies.shapes import (
    aws_gpu_node_group,
    azure_vmss,
    changed,
    env_config,
    gcp_gpu_node_pool,
    stack_verdict,
)

ROOT = Path(__file__).resolve().parents[3]
PROD = env_config("prod", RULE)
# max 2 x g4dn.xlarge on demand in us-east-1: 0.526 $/h x 730 h x 2 = 767.96
AWS_POOL = changed(aws_gpu_node_group(), {"capacityType": "ON_DEMAND"})
# max 2 x g2-standard-8 on demand in us-central1: 0.853624271 $/h x 730 h x 2 = 1,246.29
GCP_POOL = changed(gcp_gpu_node_pool(), {"nodeConfig.spot": False})
# 2 x Standard_D8s_v5 regular priority in westeurope: 0.46 $/h x 730 h x 2 = 671.60
AZURE_VMSS = changed(azure_vmss(), {"virtualMachineProfile.priority": "Regular", "sku.capacity": 2})


def over(amount: str, budget: str, by: str, largest: str) -> str:
    return f"high monthly cost {amount} exceeds the budget {budget} by {by}; largest: {largest}"


CASES: dict[str, tuple[Any, list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_high_exactly_at_the_limit": (budgeted("aws-dev", "us-east-1", 767.96), [AWS_POOL], set()),
    "fail_aws_high_over_while_expected_is_zero": (
        budgeted("aws-dev", "us-east-1", 500),
        [AWS_POOL],
        {(None, over("$767.96", "$500.00", "$267.96", "dev-gpu-ng $767.96"))},
    ),
    "pass_gcp_high_at_the_limit": (budgeted("gcp-dev", "us-central1", 1246.29), [GCP_POOL], set()),
    "fail_gcp_high_over": (
        budgeted("gcp-dev", "us-central1", 1246.28),
        [GCP_POOL],
        {(None, over("$1,246.29", "$1,246.28", "$0.01", "dev-l4 $1,246.29"))},
    ),
    "pass_azure_high_at_the_limit": (budgeted("azure-dev", "westeurope", 671.60), [AZURE_VMSS], set()),
    "fail_azure_high_over": (
        budgeted("azure-dev", "westeurope", 600),
        [AZURE_VMSS],
        {(None, over("$671.60", "$600.00", "$71.60", "batch-cpu-vmss $671.60"))},
    ),
}


@pytest.mark.parametrize(("blueprint", "resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(
    monkeypatch: pytest.MonkeyPatch, blueprint: Any, resources: list[Any], expected: set[tuple[str | None, str]]
) -> None:
    with stack_blueprint(monkeypatch, blueprint) as asked:
        statuses, failures, unknowns = stack_verdict(RULE, resources, PROD)
    assert asked == ["dev"]  # the stack named in the fixtures' URNs
    assert failures == expected
    assert unknowns == set()
    assert statuses == ({"fail"} if expected else {"pass"})


def test_it_is_advisory_everywhere() -> None:
    assert RULE.enforcement == "advisory"
    for env in ("dev", "staging", "prod"):
        config = json.loads((ROOT / "policies" / "config" / f"{env}.json").read_text())
        assert config[RULE.name]["enforcementLevel"] == "advisory"
        assert config["cost-within-budget"]["enforcementLevel"] == "mandatory"


def test_a_stack_without_blueprint_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "policies")
    monkeypatch.setenv("PULUMI_STACK", "no-such-stack")
    (finding,) = RULE.evaluate(Stack((AWS_POOL,)), PROD)
    assert (finding.subject, finding.outcome.status) == (None, "unknown")
    assert finding.outcome.reason == (
        "the stack's monthly cost cannot be estimated: stacks/Pulumi.no-such-stack.yaml: no such stack file"
    )


def test_a_stack_without_cloud_resources_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], PROD) == ({"not-applicable"}, set(), set())
