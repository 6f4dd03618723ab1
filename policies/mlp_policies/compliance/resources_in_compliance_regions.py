"""MLP-026: a stack under a compliance regime keeps its resources in the regions that regime
allows (`gdpr`: the EU regions of the catalog, and the GCS `EU` multi-region).

`allowedRegions` maps a regime to its regions, for all three clouds in one list. The stack's
regimes are the blueprint's `compliance` list (see `_blueprint.py`: no resource carries them);
a regime without an entry restricts no region (`hipaa` has requirements, but not on regions).

Every resource that states or reveals its region is judged: AWS `region`, the ARN's region or
`availabilityZone`; GCP `region`, `location` (a zone counts as its region; GCS locations are
upper case) or `zone`; Azure `location`; else its provider's configured region. Resources
without a region (IAM, global services) are not judged. A resource in a location that no list
names (`global`, a GCS dual-region) fails: allow it in the config if it is acceptable. Azure
action groups are the exception: the service takes only `global` (like the budgets, which hold
the same contact addresses and have no location), so they are not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from blueprint.catalog import load_catalog
from mlp_policies.compliance import _blueprint
from mlp_policies.resources import Cloud, Resource, Stack
from mlp_policies.rule import ANY_TYPE, PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.values import Unknown, get

_ARN_REGION = re.compile(r"^arn:[^:]+:[^:]+:([a-z0-9-]+):")
_AWS_ZONE = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$")
_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")
GCS_EU_MULTI_REGION = "eu"


def _catalog_regions(geo: str) -> list[str]:
    catalog = load_catalog()
    return sorted(r for cloud in catalog.regions for r, g in catalog.regions[cloud].items() if g == geo)


def _aws_region(r: Resource) -> str | None:
    region = r.get("region")
    if region:
        return str(region)
    try:
        arn = _ARN_REGION.search(str(r.get("arn", default="")))
    except Unknown:  # computed after creation: says nothing during preview
        arn = None
    if arn:
        return arn.group(1)
    zone = _AWS_ZONE.match(str(r.get("availabilityZone", default="")))
    return zone.group(1) if zone else None


def _gcp_region(r: Resource) -> str | None:
    for key in ("region", "location", "zone"):
        value = r.get(key)
        if value:
            text = str(value).lower()
            zone = _GCP_ZONE.match(text)
            return zone.group(1) if zone else text
    return None


def _own_region(r: Resource) -> str | None:
    if r.cloud == "aws":
        return _aws_region(r)
    if r.cloud == "gcp":
        return _gcp_region(r)
    location = r.get("location")
    return str(location).lower().replace(" ", "") if location else None


def region_of(r: Resource) -> str | None:
    """The resource's region, or its provider's; None when neither says."""
    own = _own_region(r)
    if own:
        return own
    provider: Mapping[str, Any] = r.provider or {}
    for key in ("region", "location"):
        value = get(provider, key)
        if value:
            return str(value).lower().replace(" ", "")
    return None


def _same_cloud(regions: list[str], cloud: Cloud) -> list[str]:
    """The allowed regions worth naming for a resource of `cloud`: that cloud's catalog regions,
    and on GCP the names no catalog knows (GCS multi-regions such as `eu`)."""
    catalog = load_catalog().regions
    unlisted = [r for r in regions if all(r not in known for known in catalog.values())] if cloud == "gcp" else []
    return [r for r in regions if r in catalog[cloud]] + unlisted


GLOBAL_ONLY = frozenset(
    {"azure-native:monitor:ActionGroup"}
)  # https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups


def _in_allowed(r: Resource, limits: dict[str, list[str]]) -> Outcome:
    if r.type in GLOBAL_ONLY:
        return not_applicable(f"{r} is a global-only service (action groups take no region)")
    region = region_of(r)
    if region is None:
        return not_applicable(f"{r} states no region")
    messages = []
    for regime, regions in sorted(limits.items()):
        if region not in regions:
            allowed = ", ".join(_same_cloud(regions, r.cloud)) if r.cloud else ""
            messages.append(f"{r} is in {region}, outside the regions {regime} allows ({allowed or 'none'})")
    return fail(*messages) if messages else PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    try:
        regimes = _blueprint.regimes(stack)
    except _blueprint.NoBlueprint as err:
        yield Finding(None, err.outcome)
        return
    allowed: Mapping[str, list[str]] = config["allowedRegions"]
    limits = {regime: [r.lower() for r in allowed[regime]] for regime in sorted(regimes) if regime in allowed}
    if not limits:
        yield Finding(None, PASS)  # judged: no regime of the stack limits its regions
        return
    findings = [judge(r, partial(_in_allowed, r, limits)) for r in stack.resources if r.cloud is not None]
    yield from findings
    if all(f.outcome.status == "not-applicable" for f in findings):
        yield Finding(None, Outcome("unknown", reason="no resource of the stack states its region"))


RULE = StackRule(
    id="MLP-026",
    name="resources-in-compliance-regions",
    description="Stacks under a compliance regime (gdpr) keep every resource in the regions the regime allows.",
    severity="critical",
    resource_types=frozenset({ANY_TYPE}),
    remediation=(
        "Deploy the stack to a region its compliance regimes allow (blueprint region and the provider's region "
        "config), or, if the regime allows another region, add it to allowedRegions in policies/config/<env>.json."
    ),
    config={
        "allowedRegions": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            "default": {"gdpr": [*_catalog_regions("eu"), GCS_EU_MULTI_REGION]},
            "description": "Compliance regime -> the regions (of any cloud) its stacks may use; regimes not listed "
            "restrict no region.",
        },
    },
    check=check,
)
