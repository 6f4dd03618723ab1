"""Checks the schema cannot express: cross-field bounds, catalog look-ups, references.

They run on the raw parsed YAML, even when the schema found problems too, so a user sees
every problem at once; each check therefore skips values of the wrong type (the schema has
already reported those)."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

from blueprint.catalog import (
    CLOUDS,
    KUBERNETES_SERVICE,
    TIER_CLASSES,
    Catalog,
    Cloud,
    kubernetes_calendar,
    load_catalog,
    release_channel,
    unavailable,
)
from blueprint.clock import ClockError, today
from blueprint.errors import format_path
from blueprint.semantics_gpu_access import gpu_access_problems

Problem = tuple[str, str]
PROVIDER_REGION_KEY: dict[Cloud, str] = {
    "aws": "aws:region",
    "gcp": "gcp:region",
    "azure": "azure-native:location",
}
# Provider config the checks compare the blueprint with (region keys, GCP project).
PROVIDER_KEYS: tuple[str, ...] = (*PROVIDER_REGION_KEY.values(), "gcp:project")


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _items(raw: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = raw.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def semantic_problems(raw: dict[str, Any], provider_config: dict[str, Any]) -> Iterator[Problem]:
    cat = load_catalog()
    cloud_value = raw.get("cloud")
    cloud: Cloud | None = cloud_value if cloud_value in CLOUDS else None
    yield from _cloud_blocks(raw, cloud)
    if cloud is not None:
        yield from _region(raw, cloud, cat, provider_config)
        yield from _system_pool(raw, cloud, cat)
        yield from _gpu_pools(raw, cloud, cat)
        yield from _autoscaling_groups(raw, cloud, cat)
        yield from _buckets(raw, cloud, cat)
        yield from _cloud_limits(raw, cloud)
        yield from _kubernetes_version(raw, cloud)
        yield from _gke_maintenance(raw, cloud)
        if cloud == "azure":
            yield from _azure_tier_redundancy(raw, cat)
    yield from _tags(raw, cloud)
    yield from _node_labels(raw)
    yield from _network(raw)
    yield from _maintenance(raw)
    yield from _workloads(raw)
    yield from gpu_access_problems(raw)
    yield from _budget(raw)


def _kubernetes_version(raw: dict[str, Any], cloud: Cloud) -> Iterator[Problem]:
    """The pinned version (or, when omitted, the default the loader picks) is in the cloud's
    standard support on the day the check runs, per the catalog's calendar; on GKE it is also
    offered by the stack's release channel (STABLE in prod, REGULAR elsewhere)."""
    cluster = raw.get("cluster", {})
    if not isinstance(cluster, dict):
        return
    version = cluster.get("kubernetesVersion")
    if version is not None and not isinstance(version, str):
        return  # the schema reports the type
    where = format_path(["cluster", "kubernetesVersion"])
    try:
        day = today()
    except ClockError as err:
        yield where, f"cannot check standard support: {err}"
        return
    env = raw.get("environment")
    channel = release_channel(cloud, env if isinstance(env, str) else "")
    message = version_problem(cloud, version, day, channel)
    if message:
        yield where, message


def version_problem(cloud: Cloud, version: str | None, day: date, channel: str | None) -> str | None:
    """Why `version` (None: the default) cannot be pinned on `cloud` on `day`, or None."""
    calendar = kubernetes_calendar()
    service = KUBERNETES_SERVICE[cloud]
    offered = f"{service} {channel} channel" if channel else service
    supported = calendar.supported(cloud, day, channel)
    choices = f"supported today: {', '.join(supported)}" if supported else f"none is, on {day.isoformat()}"
    if version is None:
        if supported:
            return None
        return (
            f"no default: the catalog's calendar (blueprint/data/kubernetes.yaml) has no {offered} version "
            f"in standard support on {day.isoformat()}; update it or pin a version"
        )
    entry = calendar.entry(cloud, version)
    if entry is None:
        return (
            f"{version} is not in the catalog's {service} calendar (known: {', '.join(calendar.known(cloud))}; "
            f"{choices}); pick a supported one"
        )
    if day >= entry.end_of_standard_support:
        reason = f"left {service} standard support on {entry.end_of_standard_support.isoformat()}"
    elif day < entry.available:
        reason = f"is not available on {service} before {entry.available.isoformat()}"
    elif not entry.offered_by(channel):
        reason = f"is not offered by the {offered}"
    else:
        return None
    pick = "pick one of those" if len(supported) > 1 else "pick that one" if supported else "update the calendar"
    return f"{version} {reason} ({choices}); {pick}"


# --- tags and labels: what each cloud accepts (sources in tests/unit/test_hostile_tags.py) ----

# Every value that becomes a tag or label (owner, costCenter, tags) is one line of printable
# text on every cloud: a line break or an escape sequence in a tag is never meant.
_TAG_FIELDS = ("owner", "costCenter")
# AWS: letters, numbers and spaces (Unicode), and `_ . : / = + - @`; `aws:` is reserved.
_AWS_TAG_PUNCTUATION = frozenset("_.:/=+-@")
# Azure: tag names cannot contain these; values are free text up to 256 characters.
_AZURE_TAG_NAME_FORBIDDEN = frozenset("<>%&\\?/")
# Kubernetes label values (node labels, taint values): empty, or at most 63 characters,
# alphanumeric at both ends, `-`, `_` and `.` between. Keys: optional DNS prefix, a name like that.
_K8S_LABEL_VALUE = re.compile(r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")
_K8S_LABEL_KEY = re.compile(
    r"(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
)


def _control_character(text: str) -> str | None:
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return f"U+{ord(ch):04X}"
    return None


def _aws_tag_problem(text: str) -> str | None:
    if text[:4].lower() == "aws:":
        return "must not start with 'aws:' (reserved by AWS)"
    for ch in text:
        if not (ch.isalnum() or unicodedata.category(ch) == "Zs" or ch in _AWS_TAG_PUNCTUATION):
            return f"{ch!r} is not allowed in an AWS tag (letters, numbers, spaces and _ . : / = + - @)"
    return None


def _tag_text_problems(where: str, text: str, cloud: Cloud | None, *, key: bool) -> Iterator[Problem]:
    control = _control_character(text)
    if control is not None:
        yield where, f"must be one line of printable text (has the control character {control})"
        return
    if cloud == "aws":
        problem = _aws_tag_problem(text)
        if problem is not None:
            yield where, problem
    elif cloud == "azure" and key:
        bad = sorted(set(text) & _AZURE_TAG_NAME_FORBIDDEN)
        if bad:
            yield where, f"an Azure tag name cannot contain {' '.join(bad)}"
    # gcp: keys and values are mapped to label syntax (components/common/tagging.gcp_label).


def _tags(raw: dict[str, Any], cloud: Cloud | None) -> Iterator[Problem]:
    for name in _TAG_FIELDS:
        value = raw.get(name)
        if isinstance(value, str):
            yield from _tag_text_problems(format_path([name]), value, cloud, key=False)
    tags = raw.get("tags")
    for key, value in tags.items() if isinstance(tags, dict) else ():
        if isinstance(key, str):
            yield from _tag_text_problems(format_path(["tags", key]), key, cloud, key=True)
        if isinstance(value, str):
            yield from _tag_text_problems(format_path(["tags", key]), value, cloud, key=False)


def _node_labels(raw: dict[str, Any]) -> Iterator[Problem]:
    """GPU pool labels and taint values become Kubernetes node labels and taints."""
    value_rule = "must be empty or up to 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric"
    for i, pool in _items(raw, "gpuPools"):
        labels = pool.get("labels")
        for key, value in labels.items() if isinstance(labels, dict) else ():
            where = format_path(["gpuPools", i, "labels", key])
            if isinstance(key, str) and not (len(key.rpartition("/")[0]) <= 253 and _K8S_LABEL_KEY.fullmatch(key)):
                yield where, "is not a Kubernetes label key ([prefix/]name, the name up to 63 characters)"
            elif isinstance(value, str) and not _K8S_LABEL_VALUE.fullmatch(value):
                yield where, f"is not a Kubernetes label value: {value_rule}"
        for j, taint in _items(pool, "taints"):
            value = taint.get("value")
            if isinstance(value, str) and not _K8S_LABEL_VALUE.fullmatch(value):
                yield (
                    format_path(["gpuPools", i, "taints", j, "value"]),
                    f"is not a Kubernetes taint value: {value_rule}",
                )


GCP_MAX_ROTATION_DAYS = 90  # Cloud KMS allows longer, but our policy (and CIS GCP 1.10) caps it


def _maintenance(raw: dict[str, Any]) -> Iterator[Problem]:
    cluster = raw.get("cluster")
    maintenance = cluster.get("maintenance") if isinstance(cluster, dict) else None
    if not isinstance(maintenance, dict):
        return
    for i, blackout in _items(maintenance, "blackouts"):
        base: list[str | int] = ["cluster", "maintenance", "blackouts", i]
        days: dict[str, date] = {}
        for key in ("start", "end"):
            value = blackout.get(key)
            if not isinstance(value, str):
                continue
            try:
                days[key] = date.fromisoformat(value)
            except ValueError:
                yield format_path([*base, key]), f"'{value}' is not a calendar date (YYYY-MM-DD)"
        if "start" in days and "end" in days and days["end"] < days["start"]:
            yield format_path([*base, "end"]), f"must be on or after start ({days['start'].isoformat()})"


# GKE maintenance policy limits (the API refuses a policy outside them):
# - "You must allow at least 48 hours of maintenance availability in a 32-day rolling window.
#   Only contiguous availability windows of at least four hours are considered."
#   https://cloud.google.com/kubernetes-engine/docs/how-to/maintenance-windows-and-exclusions
#   A weekly window recurs at least 4 times in any 32 days, so it must last >= 12 hours.
# - At most 20 exclusions per cluster (the provider's maintenance_exclusion docs, after
#   https://github.com/hashicorp/terraform-provider-google/issues/15279).
# - Blackouts become NO_UPGRADES exclusions, which may last at most 30 days (the
#   "No upgrades" scope on the concepts page, maintenance-windows-and-exclusions#exclusions;
#   not retrievable through this project's search tool on 2026-12-03: re-check there).
GKE_MIN_WEEKLY_WINDOW_HOURS = 12
GKE_MAX_EXCLUSIONS = 20
GKE_MAX_NO_UPGRADES_DAYS = 30


def _gke_maintenance(raw: dict[str, Any], cloud: Cloud) -> Iterator[Problem]:
    cluster = raw.get("cluster")
    maintenance = cluster.get("maintenance") if isinstance(cluster, dict) else None
    if cloud != "gcp" or not isinstance(maintenance, dict):
        return
    base: list[str | int] = ["cluster", "maintenance"]
    hours = _int(maintenance.get("durationHours"))
    if hours is not None and 4 <= hours < GKE_MIN_WEEKLY_WINDOW_HOURS:
        yield (
            format_path([*base, "durationHours"]),
            f"must be >= {GKE_MIN_WEEKLY_WINDOW_HOURS} on gcp: GKE needs 48 hours of maintenance windows "
            f"in any 32 days, and a weekly window recurs 4 times (got {hours})",
        )
    blackouts = maintenance.get("blackouts")
    if isinstance(blackouts, list) and len(blackouts) > GKE_MAX_EXCLUSIONS:
        yield format_path([*base, "blackouts"]), f"at most {GKE_MAX_EXCLUSIONS} on gcp (got {len(blackouts)})"
    for i, blackout in _items(maintenance, "blackouts"):
        try:
            start, end = date.fromisoformat(blackout["start"]), date.fromisoformat(blackout["end"])
        except (KeyError, TypeError, ValueError):
            continue  # reported by the schema or by _maintenance
        days = (end - start).days + 1
        if days > GKE_MAX_NO_UPGRADES_DAYS:
            yield (
                format_path([*base, "blackouts", i, "end"]),
                f"a blackout may last at most {GKE_MAX_NO_UPGRADES_DAYS} days on gcp (a GKE no-upgrades "
                f"exclusion); this one lasts {days}: split it or shorten it",
            )


def _cloud_limits(raw: dict[str, Any], cloud: Cloud) -> Iterator[Problem]:
    """Settings one cloud cannot honour, caught here rather than at deploy time."""
    if cloud == "aws":
        yield from _aws_limits(raw)
    if cloud != "gcp":
        return
    enc = raw.get("encryption")
    days = _int(enc.get("rotationDays")) if isinstance(enc, dict) else None
    if days is not None and days > GCP_MAX_ROTATION_DAYS:
        yield "$.encryption.rotationDays", f"must be <= {GCP_MAX_ROTATION_DAYS} on gcp (got {days})"
    for i, group in _items(raw, "autoscalingGroups"):
        spot, base = _int(group.get("spotPercentage", 100)), _int(group.get("onDemandBaseCapacity", 0))
        if spot not in (None, 0, 100):
            # A managed instance group is all spot or all on-demand.
            yield format_path(["autoscalingGroups", i, "spotPercentage"]), f"must be 0 or 100 on gcp (got {spot})"
        elif spot == 100 and base:
            yield (
                format_path(["autoscalingGroups", i, "onDemandBaseCapacity"]),
                (f"must be 0 when spotPercentage is 100 on gcp (got {base})"),
            )


def _aws_limits(raw: dict[str, Any]) -> Iterator[Problem]:
    for i, group in _items(raw, "autoscalingGroups"):
        low = _int(group.get("minSize"))  # absent: 1 on aws (the loader)
        if low == 0:
            # The group's only scaling rule is target tracking on average CPU: an empty group
            # reports no CPU, so the policy never scales it out (nothing else sets its size).
            yield (
                format_path(["autoscalingGroups", i, "minSize"]),
                "must be >= 1 on aws (got 0): CPU target tracking cannot scale out a group with no "
                "instances, which report no CPU",
            )


# Azure storage redundancy by environment, as components/azure/platform.py chooses it, and the
# redundancies that accept the archive tier: LRS, GRS and RA-GRS only, not ZRS, GZRS or RA-GZRS
# (https://learn.microsoft.com/azure/storage/blobs/access-tiers-overview, read 2026-12-03).
AZURE_ZONE_REDUNDANT_ENVIRONMENTS = frozenset({"prod"})


def _azure_tier_redundancy(raw: dict[str, Any], cat: Catalog) -> Iterator[Problem]:
    """Prod storage accounts are zone-redundant, and Azure rejects a lifecycle policy that
    moves blobs to Archive on a ZRS account."""
    env = raw.get("environment")
    if not isinstance(env, str) or env not in AZURE_ZONE_REDUNDANT_ENVIRONMENTS:
        return
    for i, bucket in _items(raw, "buckets"):
        tiers = bucket.get("tiers")
        for j, tier in enumerate(tiers if isinstance(tiers, list) else []):
            cls = tier.get("class") if isinstance(tier, dict) else None
            if cls in TIER_CLASSES and cat.storage_class(cls, "azure").name == "Archive":
                yield (
                    format_path(["buckets", i, "tiers", j, "class"]),
                    f"'{cls}' (Azure Archive) is not supported on the zone-redundant (ZRS) storage accounts of "
                    f"azure {env}; use 'cold'",
                )


def _cloud_blocks(raw: dict[str, Any], cloud: Cloud | None) -> Iterator[Problem]:
    for other in CLOUDS:
        if other in raw and cloud is not None and other != cloud:
            yield format_path([other]), f"only used when cloud is {other} (cloud is {cloud})"


def _region(raw: dict[str, Any], cloud: Cloud, cat: Catalog, provider_config: dict[str, Any]) -> Iterator[Problem]:
    region = raw.get("region")
    if not isinstance(region, str):
        return
    if cat.region_geo(cloud, region) is None:
        supported = ", ".join(cat.regions[cloud])
        yield "$.region", f"'{region}' is not a supported {cloud} region (supported: {supported})"
    key = PROVIDER_REGION_KEY[cloud]
    provider_region = provider_config.get(key)
    if isinstance(provider_region, str) and provider_region != region:
        yield "$.region", f"'{region}' differs from config {key} '{provider_region}'"
    gcp = raw.get("gcp")
    provider_project = provider_config.get("gcp:project")
    if (
        cloud == "gcp"
        and isinstance(gcp, dict)
        and isinstance(provider_project, str)
        and gcp.get("project") != provider_project
    ):
        yield "$.gcp.project", f"'{gcp.get('project')}' differs from config gcp:project '{provider_project}'"


def _bounds(base: list[str | int], item: dict[str, Any], low: str, high: str, expected: str) -> Iterator[Problem]:
    lo, hi, avg = _int(item.get(low, 0)), _int(item.get(high)), _num(item.get(expected))
    if lo is not None and hi is not None and hi < lo:
        yield format_path([*base, high]), f"must be >= {low} ({lo})"
    if avg is not None and lo is not None and avg < lo:
        yield format_path([*base, expected]), f"must be >= {low} ({lo})"
    if avg is not None and hi is not None and avg > hi:
        yield format_path([*base, expected]), f"must be <= {high} ({hi})"


def _unique_names(raw: dict[str, Any], key: str) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for i, item in _items(raw, key):
        name = item.get("name")
        if isinstance(name, str):
            if name in seen:
                yield format_path([key, i, "name"]), f"duplicate name '{name}' (also {key}[{seen[name]}])"
            else:
                seen[name] = i


def _system_pool(raw: dict[str, Any], cloud: Cloud, cat: Catalog) -> Iterator[Problem]:
    cluster = raw.get("cluster")
    if isinstance(cluster, dict) and isinstance(cluster.get("authorizedCidrs"), list):
        for i, cidr in enumerate(cluster["authorizedCidrs"]):
            if isinstance(cidr, str) and not _is_cidr(cidr):
                yield format_path(["cluster", "authorizedCidrs", i]), f"'{cidr}' is not an IPv4 CIDR"
    if isinstance(cluster, dict) and cluster.get("privateEndpoint") is False and not cluster.get("authorizedCidrs"):
        # A public API endpoint open to the whole internet is never what anyone means.
        yield "$.cluster.authorizedCidrs", "required when privateEndpoint is false (the CIDRs allowed to reach the API)"
    pool = cluster.get("systemPool") if isinstance(cluster, dict) else None
    if not isinstance(pool, dict):
        return
    base: list[str | int] = ["cluster", "systemPool"]
    itype = pool.get("instanceType")
    if isinstance(itype, str) and itype not in cat.cpu_types[cloud]:
        known = ", ".join(cat.cpu_types[cloud])
        yield (
            format_path([*base, "instanceType"]),
            f"'{itype}' is not a CPU type in the {cloud} catalog (known: {known})",
        )
    lo, hi = _int(pool.get("minNodes", 2)), _int(pool.get("maxNodes", 3))
    if lo is not None and hi is not None and hi < lo:
        yield format_path([*base, "maxNodes"]), f"must be >= minNodes ({lo})"


def _gpu_pools(raw: dict[str, Any], cloud: Cloud, cat: Catalog) -> Iterator[Problem]:
    yield from _unique_names(raw, "gpuPools")
    for i, pool in _items(raw, "gpuPools"):
        base: list[str | int] = ["gpuPools", i]
        accel, itype, count = pool.get("accelerator"), pool.get("instanceType"), pool.get("acceleratorCount")
        if accel is not None and itype is not None:
            yield format_path(base), "set accelerator or instanceType, not both"
        elif accel is None and itype is None:
            yield format_path(base), "set accelerator (e.g. 'l4') or instanceType"
        elif isinstance(accel, str):
            yield from _accelerator(base, accel, count, cloud, cat)
        elif isinstance(itype, str):
            machine = cat.machine(cloud, itype)
            if machine is None or machine.gpus == 0:
                known = ", ".join(sorted({o.name for a in cat.accelerators for o in cat.accelerator_offers(a, cloud)}))
                yield (
                    format_path([*base, "instanceType"]),
                    f"'{itype}' is not a GPU type in the {cloud} catalog (known: {known})",
                )
            elif count is not None:
                yield (
                    format_path([*base, "acceleratorCount"]),
                    "only used with accelerator (instanceType fixes the GPU count)",
                )
        yield from _offered_in_region(raw, base, cloud, cat, pool)
        if "nodeImage" in pool and cloud != "aws":
            yield format_path([*base, "nodeImage"]), f"only used on aws (cloud is {cloud})"
        yield from _bounds(base, pool, "minNodes", "maxNodes", "expectedAverageNodes")


def _offered_in_region(
    raw: dict[str, Any], base: list[str | int], cloud: Cloud, cat: Catalog, pool: dict[str, Any]
) -> Iterator[Problem]:
    """A machine the cloud does not sell in the stack's region cannot be deployed there."""
    accel, itype, count = pool.get("accelerator"), pool.get("instanceType"), pool.get("acceleratorCount")
    region = raw.get("region")
    machine = None
    if isinstance(itype, str) and accel is None:
        machine, where = cat.machine(cloud, itype), "instanceType"
    elif isinstance(accel, str) and itype is None and cat.accelerator_offers(accel, cloud):
        offers = cat.accelerator_offers(accel, cloud)
        gpus = _int(count) or offers[0].gpus
        machine, where = cat.gpu_machine(accel, cloud, gpus), "accelerator"
    if machine is None or not isinstance(region, str):
        return
    source = unavailable(cloud, machine, region)
    if source is not None:
        what = f"{machine.name} ({machine.accelerator} x{machine.gpus})" if machine.accelerator else machine.name
        yield format_path([*base, where]), f"{what} is not offered in {cloud} {region} (per {source})"


def _accelerator(base: list[str | int], accel: str, count: Any, cloud: Cloud, cat: Catalog) -> Iterator[Problem]:
    offers = cat.accelerator_offers(accel, cloud)
    if accel not in cat.accelerators:
        known = ", ".join(cat.accelerators)
        yield format_path([*base, "accelerator"]), f"unknown accelerator '{accel}' (known: {known})"
    elif not offers:
        known = ", ".join(cat.accelerators_on(cloud))
        yield format_path([*base, "accelerator"]), f"'{accel}' is not offered on {cloud} (available: {known})"
    elif _int(count) is not None and cat.gpu_machine(accel, cloud, int(count)) is None:
        counts = ", ".join(str(o.gpus) for o in offers)
        yield format_path([*base, "acceleratorCount"]), f"must be one of {counts} for {accel} on {cloud} (got {count})"


def _autoscaling_groups(raw: dict[str, Any], cloud: Cloud, cat: Catalog) -> Iterator[Problem]:
    yield from _unique_names(raw, "autoscalingGroups")
    for i, group in _items(raw, "autoscalingGroups"):
        base: list[str | int] = ["autoscalingGroups", i]
        types = group.get("instanceTypes")
        for j, itype in enumerate(types if isinstance(types, list) else []):
            region = raw.get("region")
            machine = cat.machine(cloud, itype) if isinstance(itype, str) else None
            source = unavailable(cloud, machine, region) if machine and isinstance(region, str) else None
            if source is not None:
                yield (
                    format_path([*base, "instanceTypes", j]),
                    f"{itype} is not offered in {cloud} {region} (per {source})",
                )
            if isinstance(itype, str) and cat.machine(cloud, itype) is None:
                known = ", ".join(cat.cpu_types[cloud])
                yield (
                    format_path([*base, "instanceTypes", j]),
                    f"'{itype}' is not an instance type in the {cloud} catalog (CPU types: {known})",
                )
        region = raw.get("region")
        if cloud == "gcp" and isinstance(types, list) and isinstance(region, str):
            found = cat.common_gpu_zones([t for t in types if isinstance(t, str)], region)
            if found is not None and not found[1]:
                yield (
                    format_path([*base, "instanceTypes"]),
                    f"no zone of {region} carries all of {', '.join(found[0])} (per {cat.gcp_gpu_zones_source}): "
                    "a regional group needs instance types whose GPUs share a zone",
                )
        yield from _bounds(base, group, "minSize", "maxSize", "expectedAverageSize")
        od, hi = _int(group.get("onDemandBaseCapacity")), _int(group.get("maxSize"))
        if od is not None and hi is not None and od > hi:
            yield format_path([*base, "onDemandBaseCapacity"]), f"must be <= maxSize ({hi})"


def _buckets(raw: dict[str, Any], cloud: Cloud, cat: Catalog) -> Iterator[Problem]:
    yield from _unique_names(raw, "buckets")
    for i, bucket in _items(raw, "buckets"):
        yield from _tiers(["buckets", i], bucket, cloud, cat)


def _tiers(base: list[str | int], bucket: dict[str, Any], cloud: Cloud, cat: Catalog) -> Iterator[Problem]:
    tiers = bucket.get("tiers")
    prev_class, prev_days = "standard", 0
    for j, tier in enumerate(tiers if isinstance(tiers, list) else []):
        cls, days = (tier.get("class"), _int(tier.get("afterDays"))) if isinstance(tier, dict) else (None, None)
        if cls not in TIER_CLASSES or days is None:
            return
        here: list[str | int] = [*base, "tiers", j]
        if prev_class != "standard" and TIER_CLASSES.index(cls) <= TIER_CLASSES.index(prev_class):
            order = " -> ".join(TIER_CLASSES)
            yield format_path([*here, "class"]), f"'{cls}' cannot follow '{prev_class}' (order: {order})"
            return
        earliest, reason = _earliest(cat, cloud, prev_class, prev_days, cls)
        if days < earliest:
            yield format_path([*here, "afterDays"]), f"must be >= {earliest} ({reason})"
        prev_class, prev_days = cls, days
    expire = _int(bucket.get("expireAfterDays"))
    if expire is not None and prev_class != "standard":
        sc = cat.storage_class(prev_class, cloud)
        earliest = prev_days + max(sc.min_storage_days, 1)
        if expire < earliest:
            yield (
                format_path([*base, "expireAfterDays"]),
                (
                    f"must be >= {earliest} (last tier '{prev_class}' at {prev_days} days"
                    f" + {sc.min_storage_days}-day minimum storage of {sc.name})"
                ),
            )


def _earliest(cat: Catalog, cloud: Cloud, prev_class: str, prev_days: int, cls: str) -> tuple[int, str]:
    """The first day a tier may start, and why: days increase, the previous class's minimum
    storage duration is served (else early-deletion fees), the cloud's own transition floor."""
    prev_sc, new_sc = cat.storage_class(prev_class, cloud), cat.storage_class(cls, cloud)
    candidates = [
        (prev_days + 1, f"after the previous tier at {prev_days} days"),
        (new_sc.min_age_days, f"{cloud} accepts {new_sc.name} transitions from day {new_sc.min_age_days}"),
    ]
    if prev_sc.min_storage_days:
        candidates.append(
            (
                prev_days + prev_sc.min_storage_days,
                f"'{prev_class}' at {prev_days} days"
                f" + {prev_sc.min_storage_days}-day minimum storage of {prev_sc.name}",
            )
        )
    return max(candidates, key=lambda c: c[0])


def _is_cidr(text: str) -> bool:
    try:
        ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        return False
    return True


def _network(raw: dict[str, Any]) -> Iterator[Problem]:
    net = raw.get("network")
    if not isinstance(net, dict):
        return
    cidr = net.get("cidr")
    if isinstance(cidr, str):
        if not _is_cidr(cidr):
            yield "$.network.cidr", f"'{cidr}' is not an IPv4 CIDR (e.g. 10.0.0.0/16)"
        elif not 16 <= ipaddress.IPv4Network(cidr).prefixlen <= 20:
            yield (
                "$.network.cidr",
                f"prefix must be /16 to /20 to fit the subnets (got /{ipaddress.IPv4Network(cidr).prefixlen})",
            )
    if ("existingNetworkId" in net) != ("existingSubnetIds" in net):
        yield "$.network", "existingNetworkId and existingSubnetIds go together"
    if "cidr" in net and "existingNetworkId" in net:
        yield "$.network.cidr", "not used with existingNetworkId; remove one"


def _bucket_grants(raw: dict[str, Any], key: str) -> Iterator[Problem]:
    """`workloads[].buckets` and `autoscalingGroups[].buckets` name buckets of this blueprint."""
    bucket_names = {b["name"] for _, b in _items(raw, "buckets") if isinstance(b.get("name"), str)}
    for i, item in _items(raw, key):
        grants = item.get("buckets")
        for name in grants if isinstance(grants, dict) else {}:
            if name not in bucket_names:
                known = ", ".join(sorted(bucket_names)) or "none"
                yield format_path([key, i, "buckets", name]), f"no bucket named '{name}' (buckets: {known})"


def _workloads(raw: dict[str, Any]) -> Iterator[Problem]:
    yield from _unique_names(raw, "workloads")
    yield from _bucket_grants(raw, "workloads")
    yield from _bucket_grants(raw, "autoscalingGroups")
    seen: dict[tuple[Any, Any], int] = {}
    for i, wl in _items(raw, "workloads"):
        sa = (wl.get("namespace"), wl.get("serviceAccount"))
        if all(isinstance(x, str) for x in sa):
            if sa in seen:
                yield (
                    format_path(["workloads", i, "serviceAccount"]),
                    f"{sa[0]}/{sa[1]} is already bound by workloads[{seen[sa]}]",
                )
            else:
                seen[sa] = i


def _budget(raw: dict[str, Any]) -> Iterator[Problem]:
    budget = raw.get("budget")
    if not isinstance(budget, dict):
        return
    seen: set[tuple[Any, Any]] = set()
    for j, alert in _items(budget, "alerts"):
        key = (alert.get("type"), _num(alert.get("thresholdPercent")))
        if not isinstance(key[0], str) or key[1] is None:
            continue
        if key in seen:
            yield format_path(["budget", "alerts", j]), f"duplicate {key[0]} alert at {alert.get('thresholdPercent')}%"
        seen.add(key)
