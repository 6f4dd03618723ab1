"""MLP-007 stack-has-budget-with-alerts on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.stack_has_budget_with_alerts import RULE

from tests.policies.shapes import (
    DELETE,
    U_ARRAY,
    aws_bucket,
    aws_budget,
    azure_account,
    azure_budget,
    changed,
    gcp_bucket,
    gcp_budget,
    stack_verdict,
)

NO_BUDGET = (
    "the stack has no budget (aws:budgets/budget:Budget, azure-native:consumption:Budget, gcp:billing/budget:Budget)"
)


def short(name: str, actual: int, forecast: int) -> str:
    return (
        f"budget {name} has {actual} actual and {forecast} forecasted alerts that notify someone; "
        "at least 1 and 1 are required"
    )


AWS_NO_FORECAST = changed(aws_budget(), {"notifications[3].notificationType": "ACTUAL"})

CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_budget_with_actual_and_forecast": ([aws_bucket(), aws_budget()], set()),
    "pass_aws_one_good_budget_is_enough": ([aws_bucket(), AWS_NO_FORECAST, aws_budget()], set()),
    "fail_aws_no_budget": ([aws_bucket()], {(None, NO_BUDGET)}),
    "fail_aws_no_forecasted_alert": (
        [aws_bucket(), AWS_NO_FORECAST],
        {("budget-monthly", short("budget-monthly", 4, 0))},
    ),
    "fail_aws_forecast_without_subscribers": (
        [changed(aws_budget(), {"notifications[3].subscriberEmailAddresses": []})],
        {("budget-monthly", short("budget-monthly", 3, 0))},
    ),
    "fail_aws_usage_budget": (
        [changed(aws_budget(), {"budgetType": "USAGE"})],
        {("budget-monthly", "budget budget-monthly is a USAGE budget, not a COST budget")},
    ),
    "pass_gcp_budget_with_actual_and_forecast": ([gcp_bucket(), gcp_budget()], set()),
    "fail_gcp_no_budget": ([gcp_bucket()], {(None, NO_BUDGET)}),
    "fail_gcp_no_forecasted_rule": (
        [changed(gcp_budget(), {"thresholdRules[3].spendBasis": DELETE})],
        {("budget", short("budget", 4, 0))},
    ),
    "fail_gcp_budget_notifies_nobody": (
        [changed(gcp_budget(), {"allUpdatesRule.monitoringNotificationChannels": []})],
        {("budget", "budget budget notifies nobody (default recipients off, no channel or topic)")},
    ),
    "pass_azure_budget_with_actual_and_forecast": ([azure_account(), azure_budget()], set()),
    "fail_azure_no_budget": ([azure_account()], {(None, NO_BUDGET)}),
    "fail_azure_forecast_disabled": (
        [changed(azure_budget(), {"notifications.forecast-100.enabled": False})],
        {("budget", short("budget", 2, 0))},
    ),
    "fail_azure_actual_without_contacts": (
        [
            changed(
                azure_budget(),
                {"notifications.actual-50.contactEmails": [], "notifications.actual-100.contactEmails": []},
            )
        ],
        {("budget", short("budget", 0, 1))},
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_stricter_config_needs_more_alerts() -> None:
    _, failures, _ = stack_verdict(RULE, [aws_budget()], {"minForecastedAlerts": 2})
    assert failures == {
        (
            "budget-monthly",
            "budget budget-monthly has 3 actual and 1 forecasted alerts that notify someone; at least 1 and 2 are "
            "required",
        )
    }


def test_a_stack_without_cloud_resources_is_not_applicable() -> None:
    assert stack_verdict(RULE, []) == ({"not-applicable"}, set(), set())


def test_unknown_notifications_are_not_a_failure() -> None:
    budget = changed(aws_budget(), {"notifications": U_ARRAY})
    assert stack_verdict(RULE, [budget]) == ({"unknown"}, set(), {"budget-monthly"})
