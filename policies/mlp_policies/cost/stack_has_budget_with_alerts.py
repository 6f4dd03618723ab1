"""MLP-007: every stack has a cost budget with at least one actual-spend and one
forecasted-spend alert that reaches someone.

- AWS Budgets: a COST budget whose notifications have subscribers (email or SNS), of
  notificationType ACTUAL and FORECASTED.
- GCP billing budget: threshold rules on CURRENT_SPEND (the default) and FORECASTED_SPEND,
  not sent to nobody (default IAM recipients disabled with no channel or topic).
- Azure consumption budget: enabled notifications with contacts, thresholdType Actual (the
  default) and Forecasted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable

AWS_BUDGET = "aws:budgets/budget:Budget"
GCP_BUDGET = "gcp:billing/budget:Budget"
AZURE_BUDGET = "azure-native:consumption:Budget"
BUDGET_TYPES = frozenset({AWS_BUDGET, GCP_BUDGET, AZURE_BUDGET})


def _alerts(budget: Resource) -> tuple[int, int, list[str]]:
    """(actual alerts, forecasted alerts, problems) for one budget; only alerts that notify count."""
    actual = forecast = 0
    problems: list[str] = []
    if budget.type == AWS_BUDGET:
        if budget.get("budgetType", default="COST") != "COST":
            problems.append(f"budget {budget.name} is a {budget.get('budgetType')} budget, not a COST budget")
        for n in budget.get("notifications", default=[]):
            if not isinstance(n, Mapping) or not (n.get("subscriberEmailAddresses") or n.get("subscriberSnsTopicArns")):
                continue
            actual += n.get("notificationType") == "ACTUAL"
            forecast += n.get("notificationType") == "FORECASTED"
    elif budget.type == GCP_BUDGET:
        rule: Mapping[str, Any] = budget.get("allUpdatesRule", default={})
        if rule.get("disableDefaultIamRecipients") and not (
            rule.get("monitoringNotificationChannels") or rule.get("pubsubTopic")
        ):
            problems.append(f"budget {budget.name} notifies nobody (default recipients off, no channel or topic)")
        for t in budget.get("thresholdRules", default=[]):
            basis = t.get("spendBasis", "CURRENT_SPEND") if isinstance(t, Mapping) else None
            actual += basis == "CURRENT_SPEND"
            forecast += basis == "FORECASTED_SPEND"
    else:
        for n in (budget.get("notifications", default={}) or {}).values():
            if not isinstance(n, Mapping) or n.get("enabled") is False:
                continue
            if not (n.get("contactEmails") or n.get("contactGroups") or n.get("contactRoles")):
                continue
            kind = n.get("thresholdType", "Actual")
            actual += kind == "Actual"
            forecast += kind == "Forecasted"
    return actual, forecast, problems


def _judge_budget(budget: Resource, min_actual: int, min_forecast: int) -> Outcome:
    actual, forecast, problems = _alerts(budget)
    if actual < min_actual or forecast < min_forecast:
        problems.append(
            f"budget {budget.name} has {actual} actual and {forecast} forecasted alerts that notify someone; "
            f"at least {min_actual} and {min_forecast} are required"
        )
    return fail(*problems) if problems else PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    if not any(r.cloud for r in stack.resources):
        yield Finding(None, not_applicable("the stack has no cloud resources"))
        return
    budgets = stack.of_type(BUDGET_TYPES)
    if not budgets:
        yield Finding(None, fail("the stack has no budget (" + ", ".join(sorted(BUDGET_TYPES)) + ")"))
        return
    min_actual, min_forecast = int(config["minActualAlerts"]), int(config["minForecastedAlerts"])
    findings = [judge(b, partial(_judge_budget, b, min_actual, min_forecast)) for b in budgets]
    # One good budget is enough: the others' shortcomings are not the stack's.
    if any(f.outcome.status == "pass" for f in findings):
        yield from (f for f in findings if f.outcome.status == "pass")
    else:
        yield from findings


RULE = StackRule(
    id="MLP-007",
    name="stack-has-budget-with-alerts",
    description="Every stack has a cost budget with at least one actual and one forecasted spend alert.",
    severity="high",
    resource_types=BUDGET_TYPES,
    remediation=(
        "Set budget.monthlyLimitUsd, budget.contacts and budget.alerts (at least one `actual` and one `forecasted`) "
        "in the blueprint; the budget component creates the cloud's budget with those alerts."
    ),
    config={
        "minActualAlerts": {
            "type": "integer",
            "minimum": 0,
            "default": 1,
            "description": "Actual-spend alerts (with recipients) a budget needs.",
        },
        "minForecastedAlerts": {
            "type": "integer",
            "minimum": 0,
            "default": 1,
            "description": "Forecasted-spend alerts (with recipients) a budget needs.",
        },
    },
    check=check,
)
