"""MLP-042: every Helm release installs a chart the catalog pins, from the catalog's repository,
at the catalog's exact version.

`blueprint/data/charts.yaml` is the one list of charts the cluster layer installs, each with
its repository, chart name and version, and where the version was read. A release must name a
version (without one Helm installs whatever is newest on the day), an exact one (a range such
as `^1.2` or `~0.19` moves with the repository), and its (repository, chart, version) must be
an entry of that file: a chart from another repository, or another version of a listed chart,
has not been read and sourced.

Reads `kubernetes:helm.sh/v3:Release` and `kubernetes:helm.sh/v4:Chart`: `chart`, `version`
and `repositoryOpts.repo`; OCI charts are named by their URL in `chart`
(`oci://registry.k8s.io/kueue/charts/kueue`) without repository options. Repositories compare
without a trailing slash.
"""

from __future__ import annotations

import re

from blueprint.catalog import Chart, load_charts
from mlp_policies.kubernetes import HELM_TYPES, helm_source
from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail

# One exact SemVer 2.0 version (an optional leading v, as some charts tag), nothing looser.
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def _repository(url: str) -> str:
    return url.strip().rstrip("/")


def _pins() -> list[Chart]:
    return sorted(load_charts().values(), key=lambda c: c.key)


def check(resource: Resource, config: Config) -> Outcome:
    source = helm_source(resource)  # raises Unknown during preview
    what = f"Helm release {resource.name} (chart {source.chart or 'unset'}"
    what += f" from {source.repository})" if source.repository else ", no repository)"
    if not source.version:
        return fail(f"{what} pins no version: Helm would install the newest one on the day")
    if not EXACT_VERSION.match(source.version):
        return fail(f"{what} asks for version {source.version!r}, a range or not a version: pin one exact version")
    same_chart = [c for c in _pins() if c.chart == source.chart]
    from_here = [c for c in same_chart if _repository(c.repository) == _repository(source.repository)]
    if not from_here:
        listed = ", ".join(f"{c.repository} ({c.key})" for c in same_chart)
        if listed:
            return fail(f"{what} comes from a repository the catalog does not pin it from (it pins {listed})")
        return fail(f"{what}: the catalog (blueprint/data/charts.yaml) pins no chart {source.chart!r}")
    pinned = from_here[0]
    if not EXACT_VERSION.match(pinned.version):
        return fail(f"{what}: the catalog's pin of {pinned.key} is {pinned.version!r}, not a version: source one")
    if source.version.removeprefix("v") != pinned.version.removeprefix("v"):
        return fail(f"{what} is at version {source.version}; the catalog pins {pinned.version} ({pinned.source})")
    return PASS


RULE = ResourceRule(
    id="MLP-042",
    name="helm-releases-pinned-to-catalog",
    description="Helm releases install charts the catalog pins, from its repositories, at its exact versions.",
    severity="high",
    resource_types=HELM_TYPES,
    remediation=(
        "Install charts through components/kubernetes/charts.py (helm_release), which takes chart, repository and "
        "version from blueprint/data/charts.yaml; to change a version, bump it there (with its source and read "
        "date) after reading the chart's release notes."
    ),
    check=check,
)
