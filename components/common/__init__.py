"""Cloud-neutral helpers shared by every cloud's components: tags/labels, data protection,
access logging, bucket lifecycle and grants, GPU node labels, the platform outputs. The two
stack transforms are registered here and nowhere else."""

from __future__ import annotations

import pulumi

from blueprint.model import Blueprint
from components.common.protection import protection_transform
from components.common.tagging import tagging_transform


def register_stack_transforms(bp: Blueprint, stack: str) -> None:
    """Call once, before any resource is created: tags/labels and prod data protection."""
    pulumi.runtime.register_resource_transform(tagging_transform(bp, stack))
    pulumi.runtime.register_resource_transform(protection_transform(bp))
