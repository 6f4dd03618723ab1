"""AWS Budgets: a monthly cost budget filtered to this stack's cost-allocation tag, ACTUAL
alerts at each blueprint threshold and FORECASTED ones, emailed to the blueprint contacts and
sent to the stack's notification channel (notification_channel.py).
The `ml-platform-stack` tag must be activated as a cost-allocation tag in the Billing console
once per account (AWS offers no API for a new tag before it has appeared on a bill)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from blueprint.model import Budget as BudgetSpec
from components.common.tagging import STACK_TAG


@dataclass(frozen=True, kw_only=True)
class BudgetArgs:
    budget: BudgetSpec
    stack: str
    topic_arn: pulumi.Input[str] | None = None  # the stack's notification channel, alerted besides the emails
    depends_on: tuple[pulumi.Resource, ...] = ()  # the topic's policy: Budgets checks it at creation


class Budget(pulumi.ComponentResource):
    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:Budget", name, None, opts)
        spec = args.budget
        budget = aws.budgets.Budget(
            f"{name}-monthly",
            aws.budgets.BudgetArgs(
                budget_type="COST",
                time_unit="MONTHLY",
                limit_amount=f"{spec.monthly_limit_usd:.2f}",
                limit_unit="USD",
                cost_filters=[
                    aws.budgets.BudgetCostFilterArgs(name="TagKeyValue", values=[f"user:{STACK_TAG}${args.stack}"])
                ],
                notifications=[
                    aws.budgets.BudgetNotificationArgs(
                        comparison_operator="GREATER_THAN",
                        threshold=alert.threshold_percent,
                        threshold_type="PERCENTAGE",
                        notification_type="ACTUAL" if alert.type == "actual" else "FORECASTED",
                        subscriber_email_addresses=list(spec.contacts),
                        subscriber_sns_topic_arns=[args.topic_arn] if args.topic_arn else None,
                    )
                    for alert in spec.alerts
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        self.register_outputs({"name": budget.name})
