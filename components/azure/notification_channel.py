"""The stack's notification channel: one Azure Monitor action group in the stack's resource
group, with an email receiver per address in `monitoring.contacts` (default: the budget's
contacts). The budget's notifications, and later alert rules, send to it by id.

From the action groups page (https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups,
read 2026-12-03): an action group is a global service (location `global`: Azure stores it in
at least two regions and may process it in any); its short name, shown in notifications, is
at most 12 characters (`naming.action_group_short_name`); receiver names are unique within
the group. Emails use the common alert schema, one payload shape for every alert type. A
disabled group notifies no one, so `enabled` is set."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor

from components.azure.naming import ACTION_GROUP_SHORT_NAME_MAX
from components.azure.placement import Placement
from components.azure.sdk import resource_kwargs

LOCATION = "global"


@dataclass(frozen=True, kw_only=True)
class NotificationChannelArgs:
    placement: Placement  # the group it lives in; its region is not used (action groups are global)
    contacts: tuple[str, ...]  # email addresses, one receiver each
    short_name: str  # at most 12 characters


def receiver_name(email: str) -> str:
    """`email-<sha256[:8]>`: unique within the group and stable when the contacts are reordered."""
    return f"email-{hashlib.sha256(email.encode()).hexdigest()[:8]}"


class NotificationChannel(pulumi.ComponentResource):
    action_group: monitor.ActionGroup
    action_group_id: pulumi.Output[str]  # what budgets (`contact_groups`) and alert rules name

    def __init__(self, name: str, args: NotificationChannelArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not args.contacts:
            raise ValueError("monitoring.contacts: at least one address is needed for the stack's alerts")
        if not 0 < len(args.short_name) <= ACTION_GROUP_SHORT_NAME_MAX:
            raise ValueError(
                f"action group short name '{args.short_name}' must be 1-{ACTION_GROUP_SHORT_NAME_MAX} characters"
            )
        super().__init__("mlplat:azure:NotificationChannel", name, None, opts)
        self.action_group = monitor.ActionGroup(
            f"{name}-group",
            **resource_kwargs(
                monitor.ActionGroupInitArgs(
                    resource_group_name=args.placement.resource_group_name,
                    location=LOCATION,
                    group_short_name=args.short_name,
                    enabled=True,
                    email_receivers=[
                        monitor.MicrosoftCommonEmailReceiverArgs(
                            name=receiver_name(email), email_address=email, use_common_alert_schema=True
                        )
                        for email in args.contacts
                    ],
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.action_group_id = self.action_group.id
        self.register_outputs({"actionGroupId": self.action_group_id})
