"""MLP-040: the stack's expected monthly cost is within its budget.

The figure is `mlbp cost`'s: the one estimator (`blueprint.cost.policy.estimate_for_policy`)
prices the resources the policy sees, with the stack's blueprint for what resources do not
carry (expected average node counts, expected bucket sizes) and for the budget
(`budget.monthlyLimitUsd`). The blueprint is the stack file `stacks/Pulumi.<stack>.yaml` of the
project above the pack's working directory, for `$PULUMI_STACK` (else the URNs' stack); a
stack without one is reported as unknown, not as within budget.

Compared in cents: a stack exactly at its limit passes. Resources without a price (a region
the price data does not cover) count as zero, so the figure is then a lower bound; the
violation says so. The `high` estimate (every pool at its maximum) against the budget is the
advisory companion policy `cost-high-estimate-within-budget` (a CrossGuard policy reports at
one level only).
"""

from __future__ import annotations

from collections.abc import Iterator

from mlp_policies.cost._estimate import budget_findings
from mlp_policies.resources import Stack
from mlp_policies.rule import ANY_TYPE, Config, Finding, StackRule


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    return budget_findings(stack, "expected", float(config["maxBudgetPercent"]))


RULE = StackRule(
    id="MLP-040",
    name="cost-within-budget",
    description="The stack's expected monthly cost (mlbp cost) is within its budget.",
    severity="high",
    resource_types=frozenset({ANY_TYPE}),
    remediation=(
        "Run `mlbp cost <stack>` to see the priced lines; lower expectedAverageNodes, minNodes or the accelerator, "
        "use spot capacity, add lifecycle tiers, or raise budget.monthlyLimitUsd in the blueprint if the spend is "
        "intended."
    ),
    config={
        "maxBudgetPercent": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 100,
            "description": "Highest expected monthly cost allowed, as a percentage of the stack's budget.",
        },
    },
    check=check,
)
