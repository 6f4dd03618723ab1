"""Where an Azure resource lives: its subscription, resource group and region. Every
component takes one `Placement` instead of three loose arguments."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True, kw_only=True)
class Placement:
    subscription_id: str
    resource_group_name: pulumi.Input[str]  # an Output when the platform creates the group
    location: str
