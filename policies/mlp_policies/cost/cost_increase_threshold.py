"""MLP-050: a change does not raise the stack's expected monthly cost by more than a set
amount or percentage over the base revision.

The base figure comes from `mlbp check --compare REF`, which prices the same stack file at the
git revision REF with the same estimator and passes it to this policy as `baseMonthlyUsd`.
Without a base (a plain `mlbp check` or `pulumi preview`) the policy does not apply. Advisory by
default: a bigger bill can be intended; the point is that a reviewer sees it.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlp_policies.cost._estimate import NoEstimate, stack_estimate
from mlp_policies.resources import Stack
from mlp_policies.rule import ANY_TYPE, PASS, Config, Finding, Outcome, StackRule, fail, not_applicable

NO_BASE = -1.0


def increase_verdict(base_usd: float, new_usd: float, max_usd: float, max_percent: float) -> Outcome:
    """Fail when the increase is above `max_usd` or above `max_percent` of the base (cents)."""
    increase = round((new_usd - base_usd) * 100) / 100
    if increase <= 0:
        return PASS
    percent = increase / base_usd * 100 if base_usd > 0 else float("inf")
    over = []
    if increase > max_usd:
        over.append(f"above ${max_usd:,.2f}")
    if percent > max_percent:
        over.append(f"above {max_percent:g} %")
    if not over:
        return PASS
    shown = f"{percent:.1f} %" if percent != float("inf") else "from $0.00"
    return fail(
        f"expected monthly cost rises from ${base_usd:,.2f} to ${new_usd:,.2f} "
        f"(+${increase:,.2f}, {shown}), {' and '.join(over)}"
    )


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    base = float(config["baseMonthlyUsd"])
    if base == NO_BASE:
        yield Finding(None, not_applicable("no base revision to compare with (mlbp check --compare REF)"))
        return
    try:
        estimate = stack_estimate(stack)
    except NoEstimate as err:
        yield Finding(None, err.outcome)
        return
    verdict = increase_verdict(
        base, estimate.expected_usd, float(config["maxIncreaseUsd"]), float(config["maxIncreasePercent"])
    )
    yield Finding(None, verdict)


RULE = StackRule(
    id="MLP-050",
    name="cost-increase-threshold",
    description="A change does not raise the stack's expected monthly cost by more than the configured threshold.",
    severity="medium",
    enforcement="advisory",
    resource_types=frozenset({ANY_TYPE}),
    remediation=(
        "Compare with `mlbp cost <stack> --compare <base>` to see which lines grew; if the increase is intended, "
        "say so in the pull request (and raise the budget if needed)."
    ),
    config={
        "baseMonthlyUsd": {
            "type": "number",
            "minimum": NO_BASE,
            "default": NO_BASE,
            "description": "Expected monthly cost at the base revision, set by mlbp check --compare; -1: no base.",
        },
        "maxIncreaseUsd": {
            "type": "number",
            "minimum": 0,
            "default": 500,
            "description": "Largest monthly increase in USD allowed without a violation.",
        },
        "maxIncreasePercent": {
            "type": "number",
            "minimum": 0,
            "default": 20,
            "description": "Largest monthly increase, as a percentage of the base, allowed without a violation.",
        },
    },
    check=check,
)
