"""MLP-031: every cluster's Kubernetes version stays in its cloud's standard support, with
time to upgrade: the rule fails (advisory by default) when standard support has ended or ends
within `warnWithinDays` (60) of today.

The version is the cluster's pinned minor: EKS `version`, GKE `minMasterVersion`, AKS
`kubernetesVersion` (a patch such as `1.36.2` counts as its minor). Dates come from the
catalog's calendar (`blueprint.catalog.kubernetes_calendar()`, data/kubernetes.yaml, each cloud
with its source); today is `blueprint.clock.today()` (UTC, or `$MLBP_TODAY`). A version the
calendar does not record cannot be judged: unknown, never a pass. Out of standard support a
cluster pays for extended support (EKS), loses community patches (AKS) or is upgraded by the
cloud on its own schedule (GKE); validation already refuses such a version for new stacks.
"""

from __future__ import annotations

import re

from blueprint.catalog import KUBERNETES_SERVICE, Cloud, kubernetes_calendar
from blueprint.clock import ClockError, today
from mlp_policies.clusters import AKS, EKS, GKE
from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail, not_applicable

VERSION_INPUT: dict[str, tuple[Cloud, str]] = {
    EKS: ("aws", "version"),
    GKE: ("gcp", "minMasterVersion"),
    AKS: ("azure", "kubernetesVersion"),
}
_MINOR = re.compile(r"^v?(\d+)\.(\d+)(?:[.-].*)?$")


def minor_of(version: str) -> str | None:
    """`1.36` for `1.36`, `1.36.2` or `1.36.4-gke.1082000`; None for anything else (`latest`)."""
    found = _MINOR.match(version.strip())
    return f"{found.group(1)}.{found.group(2)}" if found else None


def check(resource: Resource, config: Config) -> Outcome:
    cloud, key = VERSION_INPUT[resource.type]
    pinned = resource.get(key)
    if not pinned:
        return not_applicable(f"cluster {resource.name} pins no Kubernetes version ({key}): the cloud picks one")
    minor = minor_of(str(pinned))
    calendar = kubernetes_calendar()
    service = KUBERNETES_SERVICE[cloud]
    entry = calendar.entry(cloud, minor) if minor else None
    if entry is None:
        known = ", ".join(calendar.known(cloud))
        return Outcome(
            "unknown",
            reason=f"cluster {resource.name}: Kubernetes {pinned} is not in the catalog's {service} calendar "
            f"(known: {known}), so its end of standard support is unknown",
        )
    try:
        day = today()
    except ClockError as err:
        return Outcome("unknown", reason=f"cluster {resource.name}: {err}")
    left = entry.days_left(day)
    if left > int(config["warnWithinDays"]):
        return PASS
    # On GKE the upgrade must be one the cluster's release channel offers.
    channel = resource.get("releaseChannel", "channel") if cloud == "gcp" else None
    order = calendar.known(cloud)
    offered = calendar.supported(cloud, day, str(channel) if channel else None)
    newer = [v for v in offered if order.index(v) > order.index(entry.version)]
    upgrade = f"upgrade to {' or '.join(newer)}" if newer else "no newer version is in the calendar yet; update it"
    ends = entry.end_of_standard_support.isoformat()
    if left <= 0:
        return fail(
            f"cluster {resource.name} runs Kubernetes {entry.version}, out of {service} standard support "
            f"since {ends}; {upgrade}"
        )
    days = "1 day" if left == 1 else f"{left} days"
    return fail(
        f"cluster {resource.name} runs Kubernetes {entry.version}, whose {service} standard support ends "
        f"on {ends} (in {days}); {upgrade}"
    )


RULE = ResourceRule(
    id="MLP-031",
    name="cluster-version-in-standard-support",
    description="Ensure every cluster runs a Kubernetes version in its cloud's standard support, warning before "
    "support ends (EKS standard support, GKE standard support, AKS community support).",
    severity="medium",
    enforcement="advisory",
    resource_types=frozenset({EKS, GKE, AKS}),
    remediation=(
        "Raise cluster.kubernetesVersion in the stack's blueprint to a newer version in standard support "
        "(mlbp validate lists them; `mlbp new` writes the newest), one minor version at a time, before the date."
    ),
    equivalents=("CKV_AWS_339",),
    config={
        "warnWithinDays": {
            "type": "integer",
            "minimum": 1,
            "default": 60,
            "description": "Fail when standard support ends within this many days of today (or has ended).",
        },
    },
    check=check,
)
