"""MLP-008: every taggable resource carries the cost-allocation tags (labels on GCP).

Which resources are taggable is asked of the provider SDK (the resource's constructor takes
`tags`, `labels` or `resource_labels`), exactly as the tagging transform decides where to put
them. Values must be non-empty. AWS specifics: an ASG's tag list counts, tags the provider
adds through `defaultTags` count, and a launch template must also tag the instances and
volumes it launches (`tagSpecifications`), since EKS node groups do not pass their own tags on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlp_policies.resources import Resource
from mlp_policies.rule import ANY_TYPE, PASS, Config, Outcome, ResourceRule, fail, not_applicable
from mlp_policies.tags import normalize_key, resource_tags, tag_property
from mlp_policies.values import get

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCHED_KINDS = ("instance", "volume")
COST_TAGS = ("owner", "cost-center", "environment")  # a subset of tagging.REQUIRED_TAG_KEYS


def _missing(tags: Mapping[str, Any], required: list[str], resource: Resource) -> list[str]:
    return [k for k in required if not str(tags.get(normalize_key(resource, k)) or "").strip()]


def _provider_defaults(resource: Resource) -> dict[str, Any]:
    if resource.cloud != "aws" or not resource.provider:
        return {}
    tags = get(resource.provider, "defaultTags", "tags")
    return dict(tags) if isinstance(tags, Mapping) else {}


def check(resource: Resource, config: Config) -> Outcome:
    if resource.cloud is None:
        return not_applicable(f"{resource.type} is not a cloud resource")
    if resource.type in config["exemptTypes"]:
        return not_applicable(f"{resource.type} is exempt (exemptTypes)")
    prop = tag_property(resource.type)
    if prop is None:
        return not_applicable(f"{resource.type} takes no tags or labels")
    required = list(config["requiredTags"])
    tags = {**_provider_defaults(resource), **(resource_tags(resource, prop) or {})}
    word = "labels" if resource.cloud == "gcp" else "tags"
    messages = []
    missing = _missing(tags, required, resource)
    if missing:
        messages.append(f"{resource} is missing cost-allocation {word}: {', '.join(missing)}")
    if resource.type == LAUNCH_TEMPLATE:
        specs = {
            s.get("resourceType"): s for s in resource.get("tagSpecifications", default=[]) if isinstance(s, Mapping)
        }
        for kind in LAUNCHED_KINDS:
            launched = {**_provider_defaults(resource), **(specs.get(kind, {}).get("tags") or {})}
            gaps = _missing(launched, required, resource)
            if gaps:
                messages.append(f"{resource} does not tag the {kind}s it launches with: {', '.join(gaps)}")
    return fail(*messages) if messages else PASS


RULE = ResourceRule(
    id="MLP-008",
    name="cost-allocation-tags-present",
    description="Every taggable resource carries the cost-allocation tags (labels on GCP): owner, cost-center, "
    "environment.",
    severity="medium",
    resource_types=frozenset({ANY_TYPE}),
    remediation=(
        "Set owner and costCenter in the blueprint; the tagging transform (components/common/tagging.py) adds them "
        "with environment to every taggable resource. Resources created outside the components need the same tags."
    ),
    config={
        "requiredTags": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "uniqueItems": True,
            "minItems": 1,
            "default": list(COST_TAGS),
            "description": "Tag keys every taggable resource must carry with a non-empty value.",
        },
        "exemptTypes": {
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": True,
            "default": [],
            "description": "Type tokens not checked (e.g. resources whose tags a provider manages).",
        },
    },
    check=check,
)
