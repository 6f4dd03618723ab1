"""A monthly Cost Management budget for the platform, with an Actual alert at each blueprint
threshold and a Forecasted one, emailed to the budget contacts and sent to the stack's action
group (`notification_channel.py`, to `monitoring.contacts`; `contactGroups` takes action group
ids at subscription scope, as here).

Scope: AKS bills node VMs and disks (the GPU pools, most of the spend) in its own node
resource group, outside the platform's. A budget scoped to the platform's resource group
would miss them, so the budget sits on the subscription, filtered to exactly the two groups.
Creating it needs "Cost Management Contributor" (or more) on the subscription."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import consumption

from blueprint.model import Budget as BudgetSpec

MAX_NOTIFICATIONS = 5  # Azure's limit per budget


@dataclass(frozen=True, kw_only=True)
class BudgetArgs:
    budget: BudgetSpec
    subscription_id: str
    resource_groups: tuple[str, ...]  # the platform's group and the AKS node group
    start_date: str  # first day of a month, ISO 8601
    action_group_ids: Sequence[pulumi.Input[str]] = ()  # the stack's NotificationChannel


def check_alert_count(spec: BudgetSpec) -> None:
    if len(spec.alerts) > MAX_NOTIFICATIONS:
        raise ValueError(
            f"budget.alerts: Azure budgets take at most {MAX_NOTIFICATIONS} notifications, got {len(spec.alerts)}"
        )


def first_of_this_month(today: datetime.date | None = None) -> str:
    """Azure wants a budget to start on the first of a month, no earlier than the current one."""
    day = today or datetime.datetime.now(datetime.UTC).date()
    return f"{day.year:04d}-{day.month:02d}-01T00:00:00Z"


def notification_key(kind: str, threshold: float) -> str:
    """Azure's own naming: `Actual_GreaterThan_80_Percent`."""
    return f"{kind.capitalize()}_GreaterThan_{threshold:g}_Percent".replace(".", "_")


class Budget(pulumi.ComponentResource):
    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        spec = args.budget
        check_alert_count(spec)
        super().__init__("mlplat:azure:Budget", name, None, opts)
        notifications = {}
        for alert in spec.alerts:
            kind = consumption.ThresholdType.ACTUAL if alert.type == "actual" else consumption.ThresholdType.FORECASTED
            notifications[notification_key(alert.type, alert.threshold_percent)] = consumption.NotificationArgs(
                enabled=True,
                operator=consumption.OperatorType.GREATER_THAN,
                threshold=alert.threshold_percent,
                threshold_type=kind,
                contact_emails=list(spec.contacts),
                contact_groups=list(args.action_group_ids),
            )
        budget = consumption.Budget(
            f"{name}-monthly",
            consumption.BudgetArgs(
                scope=f"/subscriptions/{args.subscription_id}",
                category=consumption.CategoryType.COST,
                amount=spec.monthly_limit_usd,
                time_grain=consumption.TimeGrainType.MONTHLY,
                time_period=consumption.BudgetTimePeriodArgs(start_date=args.start_date),
                filter=consumption.BudgetFilterArgs(
                    dimensions=consumption.BudgetComparisonExpressionArgs(
                        name="ResourceGroupName",
                        operator=consumption.BudgetOperatorType.IN_,
                        values=list(args.resource_groups),
                    )
                ),
                notifications=notifications,
            ),
            # The start date is only chosen at creation; a later month must not replace the budget.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["timePeriod"]),
        )
        self.register_outputs({"name": budget.name})
