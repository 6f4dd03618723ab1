"""The stack's monthly cost estimate against its budget, shared by `cost-within-budget`
(expected figure, mandatory), `cost-high-estimate-within-budget` (high figure, advisory) and
`cost-increase-threshold` (expected figure against a base revision).

The figures are `mlbp cost`'s: the one estimator (`blueprint.cost.policy.estimate_for_policy`)
prices the resources the policy sees, with the stack's blueprint for what they do not carry and
for the budget. Not a rule module (the registry skips `_` modules).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from blueprint.cost import policy
from blueprint.cost.model import Estimate
from blueprint.errors import BlueprintError
from mlp_policies.resources import Stack
from mlp_policies.rule import PASS, Finding, Outcome, fail, not_applicable

__all__ = ["Figure", "NoEstimate", "budget_findings", "budget_verdict", "stack_estimate"]

Figure = Literal["expected", "high"]
LARGEST_LINES = 3


class NoEstimate(Exception):  # a state reported as unknown
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.outcome = Outcome("unknown", reason=f"the stack's monthly cost cannot be estimated: {reason}")


def stack_estimate(stack: Stack) -> Estimate:
    """The estimator's figures for these resources; raises NoEstimate without a blueprint."""
    try:
        return policy.estimate_for_policy(stack.resources)
    except BlueprintError as err:
        raise NoEstimate("; ".join(err.problems)) from None


def _usd(amount: float) -> str:
    return f"${amount:,.2f}"


def budget_verdict(estimate: Estimate, figure: Figure, max_percent: float) -> Outcome:
    """PASS when the `figure` estimate is within `max_percent` of the budget, in cents."""
    amount = estimate.expected_usd if figure == "expected" else estimate.high_usd
    limit = estimate.budget_usd * max_percent / 100
    if round(amount * 100) <= round(limit * 100):
        return PASS
    budget = _usd(estimate.budget_usd)
    limit_text = f"the budget {budget}" if max_percent == 100 else f"{max_percent:g} % of the budget {budget}"
    message = f"{figure} monthly cost {_usd(amount)} exceeds {limit_text} by {_usd(amount - limit)}"
    priced = [(i.expected if figure == "expected" else i.high, i.urn.rsplit("::", 1)[-1]) for i in estimate.items]
    largest = [f"{name} {_usd(usd)}" for usd, name in sorted(priced, key=lambda p: -p[0])[:LARGEST_LINES] if usd > 0]
    if largest:
        message += f"; largest: {', '.join(largest)}"
    missing = len(estimate.missing_prices)
    if missing:
        message += f"; {missing} resource(s) have no price, so the figure is a lower bound"
    return fail(message)


def budget_findings(stack: Stack, figure: Figure, max_percent: float) -> Iterator[Finding]:
    """The one stack-level finding of a budget rule: the `figure` estimate against the budget."""
    if not any(r.cloud for r in stack.resources):
        yield Finding(None, not_applicable("the stack has no cloud resources"))
        return
    try:
        estimate = stack_estimate(stack)
    except NoEstimate as err:
        yield Finding(None, err.outcome)
        return
    yield Finding(None, budget_verdict(estimate, figure, max_percent))
