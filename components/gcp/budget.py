"""Cloud Billing budget: a monthly budget on the blueprint's billing account, filtered to the
project and to this stack's `ml-platform-stack` label (dev and prod may share a project),
threshold rules at each blueprint threshold on current or forecasted spend, emailed to the
blueprint contacts through Cloud Monitoring email channels (billing admins are notified
too). The amount is in USD: the billing account's currency must be USD.

Costs count when the resource carries the label: GKE nodes and disks inherit the cluster's
labels, buckets, keys and VM templates carry them; enable GKE cost allocation (done by the
Cluster) so in-cluster costs are attributed too."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from blueprint.model import Budget as BudgetSpec
from components.common.tagging import STACK_TAG, gcp_labels


@dataclass(frozen=True, kw_only=True)
class BudgetArgs:
    budget: BudgetSpec
    billing_account: str
    project_number: str
    stack: str


def amount(usd: float) -> gcp.billing.BudgetAmountSpecifiedAmountArgs:
    units = int(usd)
    return gcp.billing.BudgetAmountSpecifiedAmountArgs(
        currency_code="USD", units=str(units), nanos=round((usd - units) * 1e9)
    )


class Budget(pulumi.ComponentResource):
    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:gcp:Budget", name, None, opts)
        spec = args.budget
        child = pulumi.ResourceOptions(parent=self)
        channels = [
            gcp.monitoring.NotificationChannel(
                f"{name}-email-{hashlib.sha256(email.encode()).hexdigest()[:8]}",  # stable when reordered
                gcp.monitoring.NotificationChannelArgs(
                    type="email",
                    display_name=f"ML platform budget {args.stack}: {email}",
                    labels={"email_address": email},
                ),
                opts=child,
            )
            for email in spec.contacts
        ]
        budget = gcp.billing.Budget(
            f"{name}-monthly",
            gcp.billing.BudgetArgs(
                billing_account=args.billing_account,
                display_name=f"ML platform {args.stack}"[:60],
                amount=gcp.billing.BudgetAmountArgs(specified_amount=amount(spec.monthly_limit_usd)),
                budget_filter=gcp.billing.BudgetBudgetFilterArgs(
                    projects=[f"projects/{args.project_number}"],
                    labels=gcp_labels({STACK_TAG: args.stack}),
                    calendar_period="MONTH",
                    credit_types_treatment="INCLUDE_ALL_CREDITS",
                ),
                threshold_rules=[
                    gcp.billing.BudgetThresholdRuleArgs(
                        threshold_percent=alert.threshold_percent / 100,  # 1.0-based: 0.8 is 80%
                        spend_basis="CURRENT_SPEND" if alert.type == "actual" else "FORECASTED_SPEND",
                    )
                    for alert in spec.alerts
                ],
                all_updates_rule=gcp.billing.BudgetAllUpdatesRuleArgs(
                    monitoring_notification_channels=[c.id for c in channels],
                    disable_default_iam_recipients=False,
                ),
            ),
            opts=child,
        )
        self.register_outputs({"name": budget.name})
