"""Cloud Billing budgets on the blueprint's billing account, both of the blueprint's monthly
amount, with threshold rules at each blueprint threshold on current or forecasted spend,
sent to the stack's Cloud Monitoring email channels (`notification_channel.py`, to
`monitoring.contacts`; billing admins are notified too). The amount is in USD: the billing
account's currency must be USD.

- `<name>-monthly`: the project's costs that carry this stack's `ml-platform-stack` label (dev
  and prod may share a project). GKE nodes and disks inherit the cluster's labels; buckets,
  keys and VM templates carry them; GKE cost allocation (on in the Cluster) attributes
  in-cluster costs.
- `<name>-project`: the whole project, labelled or not: Cloud Logging, Cloud NAT, network
  egress and anything else that takes no label is only caught here.

The Budget API refuses end-user credentials (`gcloud auth application-default login`) unless
the call names a quota project: the budgets go through a provider of their own with
`user_project_override` and `billing_project` set to the stack's project, whose Billing Budget
API the platform enables (https://cloud.google.com/docs/authentication/troubleshoot-adc#user-creds-client-based,
https://github.com/hashicorp/terraform-provider-google/issues/7948). The deployer needs
`billing.budgets.create` on the billing account (Billing Account Costs Manager,
`roles/billing.costsManager`, or Billing Account Administrator)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from blueprint.model import Budget as BudgetSpec
from components.common.tagging import STACK_TAG, gcp_labels


@dataclass(frozen=True, kw_only=True)
class BudgetArgs:
    budget: BudgetSpec
    billing_account: str
    project: str  # the quota (billing) project for the Budget API calls
    project_number: pulumi.Input[str]
    stack: str
    # The stack's channels (`projects/<p>/notificationChannels/<n>`, NotificationChannel.names)
    notification_channels: Sequence[pulumi.Input[str]]
    budget_depends_on: Sequence[pulumi.Resource] = ()  # the Billing Budget API


def amount(usd: float) -> gcp.billing.BudgetAmountSpecifiedAmountArgs:
    units = int(usd)
    return gcp.billing.BudgetAmountSpecifiedAmountArgs(
        currency_code="USD", units=str(units), nanos=round((usd - units) * 1e9)
    )


class Budget(pulumi.ComponentResource):
    provider: gcp.Provider
    budgets: list[gcp.billing.Budget]

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:gcp:Budget", name, None, opts)
        spec = args.budget
        self.provider = gcp.Provider(
            f"{name}-billing",
            gcp.ProviderArgs(project=args.project, billing_project=args.project, user_project_override=True),
            opts=pulumi.ResourceOptions(parent=self),
        )
        project = pulumi.Output.concat("projects/", args.project_number)
        scopes = {
            "monthly": (f"ML platform {args.stack}", gcp_labels({STACK_TAG: args.stack})),
            "project": (f"ML platform {args.stack} (project)", None),
        }
        self.budgets = [
            gcp.billing.Budget(
                f"{name}-{scope}",
                gcp.billing.BudgetArgs(
                    billing_account=args.billing_account,
                    display_name=display_name[:60],
                    amount=gcp.billing.BudgetAmountArgs(specified_amount=amount(spec.monthly_limit_usd)),
                    budget_filter=gcp.billing.BudgetBudgetFilterArgs(
                        projects=[project],
                        labels=labels,
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
                        monitoring_notification_channels=list(args.notification_channels),
                        disable_default_iam_recipients=False,
                    ),
                ),
                opts=pulumi.ResourceOptions(
                    parent=self, provider=self.provider, depends_on=list(args.budget_depends_on)
                ),
            )
            for scope, (display_name, labels) in scopes.items()
        ]
        self.register_outputs({"names": [b.name for b in self.budgets]})
