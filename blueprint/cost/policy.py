"""Inputs for the `cost-within-budget` CrossGuard stack policy.

A stack policy sees every resource as (type, name, URN, properties, parent); this module turns
that into the `ResourceGraph` the estimator prices, finds the stack's blueprint (the stack file
named by `PULUMI_STACK`, else by the stack name in the resources' URNs) and estimates:

    from blueprint.cost.policy import estimate_for_policy
    def check(args, report_violation):
        est = estimate_for_policy(args.get_config() ..., args.resources)   # or just (args.resources)
        if est.expected_usd > est.budget_usd: report_violation(...)

Duck-typed: any object with `resource_type`, `name`, `urn`, `props` and an optional `parent`
(a CrossGuard `PolicyResource`, or a `PolicyInput`) works, so this module never imports
pulumi_policy."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint.cost.estimator import estimate
from blueprint.cost.model import Estimate
from blueprint.engine.model import ResourceGraph, ResourceRecord
from blueprint.loader import load_stack_file, stack_name_of
from blueprint.model import Blueprint
from blueprint.project import find_project


@dataclass(frozen=True, kw_only=True)
class PolicyInput:
    """What a stack policy knows about one resource."""

    resource_type: str
    name: str
    urn: str
    props: Mapping[str, Any] = field(default_factory=dict)
    parent_urn: str | None = None


def _parent_urn(resource: Any) -> str | None:
    parent = getattr(resource, "parent", None)
    if parent is None:
        return getattr(resource, "parent_urn", None)
    return str(getattr(parent, "urn", parent))


def graph_from_policy_resources(
    resources: Iterable[Any], *, stack: str | None = None, project: str = ""
) -> ResourceGraph:
    """A ResourceGraph from CrossGuard `PolicyResource`s (or `PolicyInput`s). Properties are
    used as both inputs and outputs: a stack policy sees one merged property bag."""
    records: list[ResourceRecord] = []
    for r in resources:
        props = dict(getattr(r, "props", {}) or {})
        urn = str(r.urn)
        records.append(
            ResourceRecord(
                urn=urn,
                type=str(getattr(r, "resource_type", getattr(r, "type", ""))),
                name=str(r.name),
                parent=_parent_urn(r),
                custom=True,
                inputs=props,
                outputs=props,
            )
        )
    first = records[0].urn if records else ""
    return ResourceGraph(
        project=project or _urn_part(first, 1),
        stack=stack or _urn_part(first, 0) or os.environ.get("PULUMI_STACK", ""),
        resources=tuple(records),
    )


def _urn_part(urn: str, index: int) -> str:
    """`urn:pulumi:<stack>::<project>::...`: index 0 = stack, 1 = project."""
    if not urn.startswith("urn:pulumi:"):
        return ""
    parts = urn.removeprefix("urn:pulumi:").split("::")
    return parts[index] if len(parts) > index else ""


STACK_FILE_ENV = "MLBP_STACK_FILE"


def blueprint_for_stack(stack: str | None = None, *, start: Path | None = None) -> Blueprint:
    """The blueprint of `stack` (default: $PULUMI_STACK) from stacks/Pulumi.<stack>.yaml of the
    project found at or above `start` (default: the current folder; the Pulumi CLI runs a
    pack from policies/, whose parent holds Pulumi.yaml). Raises BlueprintError."""
    name = stack or os.environ.get("PULUMI_STACK", "")
    # `mlbp check path/to/Pulumi.x.yaml` names the very file it synthesized (the stack need not
    # live in stacks/), so the pack judges that blueprint and not a namesake.
    given = os.environ.get(STACK_FILE_ENV)
    if given and stack_name_of(Path(given)) == name:
        return _load_blueprint(Path(given), given)
    project = find_project(start)
    return _load_blueprint(project.stack_path(name), f"stacks/Pulumi.{name}.yaml")


# Resolved stack file -> (its size and modification time when read, its blueprint). Several
# stack policies ask for the blueprint in every AnalyzeStack call, and validating a stack file
# (strict YAML, schema, semantics) costs ~50 ms: read each file once per process, again only
# if it changed. Failures are not kept: each call reports them anew.
_BLUEPRINTS: dict[Path, tuple[tuple[int, int], Blueprint]] = {}


def _load_blueprint(path: Path, display: str) -> Blueprint:
    try:
        resolved = path.resolve()
        stat = resolved.stat()
    except OSError:  # missing or unreadable: the loader says so in its own words
        return load_stack_file(path, display).blueprint
    stamp = (stat.st_size, stat.st_mtime_ns)
    cached = _BLUEPRINTS.get(resolved)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    blueprint = load_stack_file(path, display).blueprint
    _BLUEPRINTS[resolved] = (stamp, blueprint)
    return blueprint


def estimate_for_policy(
    resources: Iterable[Any], *, blueprint: Blueprint | None = None, stack: str | None = None, start: Path | None = None
) -> Estimate:
    """Estimate from what a stack policy sees. The blueprint is passed in or loaded for the
    stack named by `stack`, $PULUMI_STACK, or the stack in the resources' URNs."""
    graph = graph_from_policy_resources(resources, stack=stack)
    bp = blueprint or blueprint_for_stack(stack or os.environ.get("PULUMI_STACK") or graph.stack, start=start)
    return estimate(graph, bp)
