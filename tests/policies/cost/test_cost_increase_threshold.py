"""MLP-050 cost-increase-threshold: the estimator's expected cost against the base revision's.

The estimator itself is tested in tests/cost; here its figure is fixed per case so the
thresholds are exercised exactly, on resources of each cloud."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost import cost_increase_threshold as rule_module
from mlp_policies.cost._estimate import NoEstimate
from mlp_policies.cost.cost_increase_threshold import RULE

from tests.policies.shapes import aws_budget, azure_budget, gcp_budget, stack_verdict


class FixedEstimate:
    def __init__(self, expected_usd: float) -> None:
        self.expected_usd = expected_usd


BASE = {"baseMonthlyUsd": 1000.0, "maxIncreaseUsd": 500, "maxIncreasePercent": 20}
BUDGETS = {"aws": aws_budget, "gcp": gcp_budget, "azure": azure_budget}

# name -> (cloud, expected cost now, config, expected failures)
CASES: dict[str, tuple[str, float, dict[str, Any], set[tuple[str | None, str]]]] = {
    "pass_aws_cheaper_than_base": ("aws", 900.0, BASE, set()),
    "pass_gcp_increase_within_both_thresholds": ("gcp", 1199.99, BASE, set()),
    "pass_azure_exactly_at_the_percent_threshold": ("azure", 1200.0, BASE, set()),
    "fail_aws_above_the_percent_threshold": (
        "aws",
        1250.0,
        BASE,
        {(None, "expected monthly cost rises from $1,000.00 to $1,250.00 (+$250.00, 25.0 %), above 20 %")},
    ),
    "fail_gcp_above_both_thresholds": (
        "gcp",
        2000.0,
        BASE,
        {
            (
                None,
                "expected monthly cost rises from $1,000.00 to $2,000.00 (+$1,000.00, 100.0 %), "
                "above $500.00 and above 20 %",
            )
        },
    ),
    "fail_azure_above_the_amount_on_a_big_stack": (
        "azure",
        60600.0,
        {**BASE, "baseMonthlyUsd": 60000.0},
        {(None, "expected monthly cost rises from $60,000.00 to $60,600.00 (+$600.00, 1.0 %), above $500.00")},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_cases(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, now, config, expected = CASES[case]
    monkeypatch.setattr(rule_module, "stack_estimate", lambda stack: FixedEstimate(now))
    statuses, failures, _ = stack_verdict(RULE, [BUDGETS[cloud]()], {**RULE.defaults(), **config})
    assert failures == expected
    assert statuses == ({"fail"} if expected else {"pass"})


def test_without_a_base_revision_the_policy_does_not_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_module, "stack_estimate", lambda stack: pytest.fail("must not estimate"))
    statuses, failures, _ = stack_verdict(RULE, [aws_budget()], RULE.defaults())
    assert (statuses, failures) == ({"not-applicable"}, set())


def test_unknown_when_the_stack_cannot_be_estimated(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_estimate(stack: object) -> None:
        raise NoEstimate("no stack file stacks/Pulumi.x.yaml")

    monkeypatch.setattr(rule_module, "stack_estimate", no_estimate)
    statuses, failures, unknowns = stack_verdict(RULE, [aws_budget()], {**RULE.defaults(), **BASE})
    assert (statuses, failures, unknowns) == ({"unknown"}, set(), {None})
