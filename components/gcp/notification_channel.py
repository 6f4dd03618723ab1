"""The stack's notification channel: one Cloud Monitoring email channel per address in
`monitoring.contacts` (default: the budget's contacts). The budgets, and later alert
policies, send to these channels
(type `email`, the address in the `email_address` label; the channel's name,
`projects/<project>/notificationChannels/<id>`, is what a budget or policy names:
https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.notificationChannels,
https://www.pulumi.com/registry/packages/gcp/api-docs/monitoring/notificationchannel, read
2026-12-03). Channels need the Cloud Monitoring API, which the platform enables (`apis.py`).

The budget created its own channels before this component existed. `FormerHome` names where
they lived (the Budget component, `budget-email-<hash>`): each channel carries an alias to
its old URN, so existing stacks move them here instead of replacing them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp


@dataclass(frozen=True, kw_only=True)
class FormerHome:
    """Where the channels were registered before: their parent's URN and their name prefix
    (`<prefix>-email-<hash>`)."""

    parent_urn: pulumi.Input[str]
    prefix: str


@dataclass(frozen=True, kw_only=True)
class NotificationChannelArgs:
    contacts: tuple[str, ...]  # email addresses, one channel each
    stack: str
    depends_on: Sequence[pulumi.Resource] = ()  # the Cloud Monitoring API
    former_home: FormerHome | None = None  # Default: no aliases (a new stack)


def email_resource_name(prefix: str, email: str) -> str:
    """`<prefix>-email-<sha256[:8]>`: stable when the contacts are reordered, and the scheme
    the budget used, so an alias can name the old resource."""
    return f"{prefix}-email-{hashlib.sha256(email.encode()).hexdigest()[:8]}"


class NotificationChannel(pulumi.ComponentResource):
    channels: list[gcp.monitoring.NotificationChannel]
    names: list[pulumi.Output[str]]  # `projects/<p>/notificationChannels/<n>`, what budgets and policies name

    def __init__(self, name: str, args: NotificationChannelArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not args.contacts:
            raise ValueError("monitoring.contacts: at least one address is needed for the stack's alerts")
        super().__init__("mlplat:gcp:NotificationChannel", name, None, opts)
        former = args.former_home
        self.channels = [
            gcp.monitoring.NotificationChannel(
                email_resource_name(name, email),
                gcp.monitoring.NotificationChannelArgs(
                    type="email",
                    display_name=f"ML platform {args.stack}: {email}",
                    labels={"email_address": email},
                ),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=list(args.depends_on),
                    aliases=[pulumi.Alias(name=email_resource_name(former.prefix, email), parent=former.parent_urn)]
                    if former
                    else None,
                ),
            )
            for email in args.contacts
        ]
        self.names = [c.name for c in self.channels]
        self.register_outputs({"names": self.names})
