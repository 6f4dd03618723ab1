"""MLP-041 (advisory): the stack's high monthly estimate is within its budget.

The high estimate runs every pool and group at its maximum size for the whole month: the cost
if autoscaling peaks and stays there. Above the budget is worth a look, not a block, so this
is the advisory companion of `cost-within-budget` (same estimator, same blueprint lookup, same
comparison in cents); CrossGuard reports a policy's violations at that policy's one level.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlp_policies.cost._estimate import budget_findings
from mlp_policies.resources import Stack
from mlp_policies.rule import ANY_TYPE, Config, Finding, StackRule


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    return budget_findings(stack, "high", float(config["maxBudgetPercent"]))


RULE = StackRule(
    id="MLP-041",
    name="cost-high-estimate-within-budget",
    description="The stack's high monthly estimate (every pool at its maximum) is within its budget.",
    severity="medium",
    enforcement="advisory",
    resource_types=frozenset({ANY_TYPE}),
    remediation=(
        "Run `mlbp cost <stack>` and compare the high column with the budget: lower maxNodes / maxSize where the "
        "peak is not needed, or accept the risk (the budget's forecasted alert warns before it is spent)."
    ),
    config={
        "maxBudgetPercent": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 100,
            "description": "Highest high-estimate monthly cost allowed, as a percentage of the stack's budget.",
        },
    },
    check=check,
)
