"""MLP-040 cost-within-budget: the estimator's expected monthly cost against the blueprint's
budget, on fixture stacks of all three clouds with hand-computed figures (us-east-1,
us-central1 and westeurope list prices from blueprint/data/prices, 730 h a month)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mlp_policies.cost.cost_within_budget import RULE
from mlp_policies.resources import Stack

from tests.policies.data.fixtures import budgeted, stack_blueprint
from tests.policies.shapes import (
    aws_budget,
    aws_gpu_node_group,
    azure_gpu_agent_pool,
    azure_vmss,
    changed,
    env_config,
    gcp_gpu_node_pool,
    stack_verdict,
)

ROOT = Path(__file__).resolve().parents[3]
PROD = env_config("prod", RULE)
# 1 x g4dn.xlarge on demand: 0.526 $/h x 730 h = 383.98 (high: 2 nodes = 767.96)
AWS_POOL = changed(aws_gpu_node_group(), {"capacityType": "ON_DEMAND", "scalingConfig.minSize": 1.0})
# 1 x g2-standard-8 (its L4 included) on demand: 0.853624271 $/h x 730 h = 623.1457 (high: 2 nodes = 1246.29)
GCP_POOL = changed(gcp_gpu_node_pool(), {"nodeConfig.spot": False, "autoscaling.totalMinNodeCount": 1})
# 1 x Standard_D8s_v5 regular priority: 0.46 $/h x 730 h = 335.80 (a fixed-size scale set: high = 335.80)
AZURE_VMSS = changed(azure_vmss(), {"virtualMachineProfile.priority": "Regular", "sku.capacity": 1})


def over(amount: str, budget: str, by: str, largest: str) -> str:
    return f"expected monthly cost {amount} exceeds the budget {budget} by {by}; largest: {largest}"


CASES: dict[str, tuple[Any, list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_exactly_at_the_limit": (budgeted("aws-dev", "us-east-1", 383.98), [AWS_POOL, aws_budget()], set()),
    "fail_aws_one_cent_over": (
        budgeted("aws-dev", "us-east-1", 383.97),
        [AWS_POOL, aws_budget()],
        {(None, over("$383.98", "$383.97", "$0.01", "dev-gpu-ng $383.98"))},
    ),
    "pass_gcp_at_the_limit_in_cents": (budgeted("gcp-dev", "us-central1", 623.15), [GCP_POOL], set()),
    "fail_gcp_over": (
        budgeted("gcp-dev", "us-central1", 500),
        [GCP_POOL],
        {(None, over("$623.15", "$500.00", "$123.15", "dev-l4 $623.15"))},
    ),
    "pass_azure_at_the_limit": (budgeted("azure-dev", "westeurope", 335.80), [AZURE_VMSS], set()),
    "fail_azure_over_with_an_unpriced_pool": (
        budgeted("azure-dev", "westeurope", 300),
        [AZURE_VMSS, changed(azure_gpu_agent_pool(), {"vmSize": "Standard_D16s_v5", "minCount": 1, "count": 1})],
        {
            (
                None,
                over("$335.80", "$300.00", "$35.80", "batch-cpu-vmss $335.80")
                + "; 1 resource(s) have no price, so the figure is a lower bound",
            )
        },
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


def test_the_limit_is_a_configurable_share_of_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    with stack_blueprint(monkeypatch, budgeted("aws-dev", "us-east-1", 767.96)):
        assert stack_verdict(RULE, [AWS_POOL], {"maxBudgetPercent": 50})[1] == set()  # 383.98 = 50 %
        _, failures, _ = stack_verdict(RULE, [AWS_POOL], {"maxBudgetPercent": 40})
    assert failures == {
        (
            None,
            "expected monthly cost $383.98 exceeds 40 % of the budget $767.96 by $76.80; largest: dev-gpu-ng $383.98",
        )
    }


def test_a_stack_without_cloud_resources_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], PROD) == ({"not-applicable"}, set(), set())


def test_a_stack_without_blueprint_is_unknown_not_within_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "policies")
    monkeypatch.setenv("PULUMI_STACK", "no-such-stack")
    (finding,) = RULE.evaluate(Stack((AWS_POOL,)), PROD)
    assert (finding.subject, finding.outcome.status) == (None, "unknown")
    assert finding.outcome.reason == (
        "the stack's monthly cost cannot be estimated: stacks/Pulumi.no-such-stack.yaml: no such stack file"
    )


def test_the_shipped_stack_file_is_the_blueprint(monkeypatch: pytest.MonkeyPatch) -> None:
    # As the pack runs: from policies/, $PULUMI_STACK naming a shipped stack (budget $1,500).
    monkeypatch.chdir(ROOT / "policies")
    monkeypatch.setenv("PULUMI_STACK", "aws-dev")
    pinned = changed(AWS_POOL, {"instanceTypes": ["g4dn.12xlarge"], "scalingConfig.minSize": 2.0})
    (finding,) = RULE.evaluate(Stack((pinned,)), PROD)
    # 2 x g4dn.12xlarge on demand in eu-west-1: 3.912 $/h x 1.114362 x 730 h x 2 = 6,364.70
    assert finding.outcome.messages == (over("$6,364.70", "$1,500.00", "$4,864.70", "dev-gpu-ng $6,364.70"),)
