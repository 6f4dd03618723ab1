"""The one place tags (AWS, Azure) and labels (GCP) are applied: a stack transform that
merges the platform's cost-allocation tags into every taggable resource. Defaults first,
then the blueprint's `tags`, then tags the resource set itself (caller's tags win)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from blueprint.model import Blueprint
from components.common.sdk import resource_parameters

REQUIRED_TAG_KEYS = ("owner", "cost-center", "environment", "data-classification", "managed-by")
STACK_TAG = "ml-platform-stack"
MANAGED_BY = "pulumi-ml-platform"


def standard_tags(bp: Blueprint, stack: str) -> dict[str, str]:
    tags = {
        "owner": bp.owner,
        "cost-center": bp.cost_center,
        "environment": bp.environment,
        "data-classification": bp.data_classification,
        "managed-by": MANAGED_BY,
        STACK_TAG: stack,
    }
    return {**tags, **bp.tags}


def gcp_label(text: str) -> str:
    """GCP label keys/values: lower-case letters, digits, `_` and `-`, at most 63 chars."""
    return re.sub(r"[^a-z0-9_-]", "_", text.lower())[:63]


def gcp_labels(tags: Mapping[str, str]) -> dict[str, str]:
    return {gcp_label(k): gcp_label(v) for k, v in tags.items()}


def _merge_aws_asg_tags(existing: list[dict[str, Any]] | None, tags: Mapping[str, str]) -> list[dict[str, Any]]:
    # autoscaling.Group takes a list of {key, value, propagateAtLaunch}; instances get them too.
    current = list(existing or [])
    have = {t.get("key") for t in current}
    return [{"key": k, "value": v, "propagateAtLaunch": True} for k, v in tags.items() if k not in have] + current


def _tag_specifications(existing: list[dict[str, Any]] | None, tags: Mapping[str, str]) -> list[dict[str, Any]]:
    # Launch templates tag what they launch (instances, volumes) through tagSpecifications.
    specs = {s.get("resourceType"): s for s in (existing or [])}
    for kind in ("instance", "volume", "network-interface"):
        spec = specs.get(kind, {"resourceType": kind, "tags": {}})
        specs[kind] = {**spec, "tags": {**tags, **(spec.get("tags") or {})}}
    return list(specs.values())


# Where a GCP resource keeps its resource labels, most specific first: a notification channel's
# `labels` are its configuration (email_address) and its resource labels are `user_labels`.
_GCP_LABEL_PROPERTIES = (("user_labels", "userLabels"), ("resource_labels", "resourceLabels"), ("labels", "labels"))


def _gcp_label_property(params: frozenset[str]) -> str | None:
    return next((wire for python_name, wire in _GCP_LABEL_PROPERTIES if python_name in params), None)


def apply_tags(type_token: str, props: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, Any] | None:
    """The new props with tags merged, or None when the resource takes no tags."""
    params = resource_parameters(type_token)
    out = dict(props)
    if type_token == "aws:autoscaling/group:Group":
        out["tags"] = _merge_aws_asg_tags(props.get("tags"), tags)
        return out
    if type_token == "aws:ec2/launchTemplate:LaunchTemplate":
        out["tagSpecifications"] = _tag_specifications(props.get("tagSpecifications"), tags)
    if type_token.startswith("gcp:"):
        wire = _gcp_label_property(params)
        if wire is None:
            return out if out != props else None
        out[wire] = {**gcp_labels(tags), **(props.get(wire) or {})}
        return out
    if "tags" in params:
        out["tags"] = {**tags, **(props.get("tags") or {})}
    return out if out != props else None


def tagging_transform(
    bp: Blueprint, stack: str
) -> Callable[[pulumi.ResourceTransformArgs], pulumi.ResourceTransformResult | None]:
    tags = standard_tags(bp, stack)

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not args.custom:
            return None
        props = apply_tags(args.type_, args.props, tags)
        return None if props is None else pulumi.ResourceTransformResult(props=props, opts=args.opts)

    return transform
