"""Tags (AWS, Azure) and labels (GCP) as rules read them, and suppressions.

Which resources take tags is asked of the provider SDKs themselves, with the same
introspection the tagging transform uses (`components.common.sdk.resource_parameters`), so the
policy and the program agree on what "taggable" means.

A resource opts out of named policies with two tags (labels on GCP):

    mlplat-suppress:        <policy-name>[,<policy-name>...]
    mlplat-suppress-reason: <why, for the report>

GCP label values allow only `a-z0-9_-`: separate names with `_` there and write the reason
with underscores (`approved_by_finops_ticket_42`). A suppression without a reason is ignored.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from components.common.sdk import resource_parameters
from components.common.tagging import gcp_label
from mlp_policies.resources import Resource, cloud_of
from mlp_policies.values import Unknown, get

__all__ = [
    "ASG_TYPE",
    "REASON_TAG",
    "SUPPRESS_TAG",
    "Suppression",
    "normalize_key",
    "resource_tags",
    "suppression",
    "tag_property",
]

SUPPRESS_TAG = "mlplat-suppress"
REASON_TAG = "mlplat-suppress-reason"
ASG_TYPE = "aws:autoscaling/group:Group"  # takes a list of {key, value, propagateAtLaunch}
_SEPARATORS = re.compile(r"[\s,_]+")


@cache
def tag_property(type_token: str) -> str | None:
    """The wire name of the property holding the resource's tags or labels; None when the
    resource takes none (or its SDK is not installed). Read from the SDK's source; only a type
    the source reading cannot place imports its SDK module."""
    with warnings.catch_warnings():  # importing an SDK module may warn about its own deprecations
        warnings.simplefilter("ignore", DeprecationWarning)
        params = resource_parameters(type_token)
    if cloud_of(type_token) == "gcp":
        # Where a resource has both, `labels` is configuration (a notification channel's
        # `email_address`) and `user_labels` are its labels.
        if "user_labels" in params:
            return "userLabels"
        if "labels" in params:
            return "labels"
        return "resourceLabels" if "resource_labels" in params else None
    return "tags" if "tags" in params else None


def normalize_key(resource: Resource, key: str) -> str:
    """A tag key as the tagging transform writes it on this resource's cloud."""
    return gcp_label(key) if resource.cloud == "gcp" else key


def resource_tags(resource: Resource, prop: str | None = None) -> dict[str, Any] | None:
    """The resource's tags as a dict; None when it has no tag property set.

    Reads `prop` when given, else the usual place for the cloud (`tags`, then `labels` and
    `resourceLabels`). Raises Unknown when the tags are not known yet.
    """
    candidates = (prop,) if prop else ("tags", "userLabels", "labels", "resourceLabels")
    for name in candidates:
        value = get(resource.props, name)
        if value is None:
            continue
        if resource.type == ASG_TYPE and name == "tags" and isinstance(value, list):
            return {str(t.get("key")): t.get("value") for t in value if isinstance(t, Mapping)}
        if isinstance(value, Mapping):
            return dict(value)
    return None


@dataclass(frozen=True)
class Suppression:
    """What one resource's suppression tags say; `reason` empty means no (valid) reason."""

    policies: tuple[str, ...]
    reason: str

    def covers(self, policy: str) -> bool:
        return bool(self.reason) and policy in self.policies


def suppression(resource: Resource) -> Suppression | None:
    """The resource's suppression, or None if it has none (or its tags are not known yet:
    an unknown suppression suppresses nothing)."""
    try:
        tags = resource_tags(resource)
    except Unknown:
        return None
    if not tags or SUPPRESS_TAG not in tags:
        return None
    names = tuple(n for n in _SEPARATORS.split(str(tags.get(SUPPRESS_TAG) or "")) if n)
    reason = str(tags.get(REASON_TAG) or "").strip()
    return Suppression(names, reason)
