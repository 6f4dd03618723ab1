"""The real pack (`policies/`), run through the offline analyzer exactly as `mlbp check` and
`pulumi preview --policy-pack` run it: the shipped AWS stacks pass their environment's config,
and single misconfigurations of the synthesized resources yield the expected mandatory
violations."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from mlp_policies.adapters import SUPPRESSIONS_POLICY
from mlp_policies.registry import all_rules

from blueprint.engine.analyzer import analyze
from blueprint.engine.model import AnalysisResult, ResourceGraph, ResourceRecord
from blueprint.engine.packs import read_pack_spec

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies"
DELETE = object()


def _config(env: str) -> dict[str, Any]:
    return dict(json.loads((PACK / "config" / f"{env}.json").read_text()))


def _run(graph: ResourceGraph, env: str) -> AnalysisResult:
    return analyze(PACK, graph, policy_config=_config(env), timeout=60)


def _mandatory(result: AnalysisResult) -> set[tuple[str, str | None]]:
    return {
        (d.policy, d.urn.rsplit("::", 1)[-1] if d.urn else None) for d in result.diagnostics if d.level == "mandatory"
    }


def _set(props: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(props))
    for path, value in changes.items():
        *head, last = path.split(".")
        target: Any = out
        for key in head:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is DELETE:
            target.pop(last, None)  # outputs may hold more than the inputs
        else:
            target[last] = value
    return out


def _mutate(graph: ResourceGraph, target: ResourceRecord, changes: Mapping[str, Any]) -> ResourceGraph:
    """Change one resource's inputs and outputs (stack policies read outputs)."""
    assert target in graph.resources, target.urn
    records = tuple(
        replace(r, inputs=_set(r.inputs, changes), outputs=_set(r.outputs, changes) if r.outputs else {})
        if r.urn == target.urn
        else r
        for r in graph.resources
    )
    return replace(graph, resources=records)


def _drop(graph: ResourceGraph, target: ResourceRecord) -> ResourceGraph:
    kept = tuple(r for r in graph.resources if r.urn != target.urn)
    assert len(kept) == len(graph.resources) - 1, target.urn
    return replace(graph, resources=kept)


def test_pulumipolicy_yaml_is_a_python_pack_sharing_the_program_virtualenv() -> None:
    spec = read_pack_spec(PACK)
    assert spec.runtime == "python"
    assert spec.options == {"toolchain": "pip", "virtualenv": "../.venv"}
    assert (PACK / spec.options["virtualenv"]).resolve() == (ROOT / ".venv").resolve()
    assert "pulumi-policy" in (PACK / "requirements.txt").read_text()


@pytest.mark.parametrize(("stack", "env"), [("aws-dev", "dev"), ("aws-dev", "staging"), ("aws-prod", "prod")])
def test_shipped_stacks_pass_their_environment(aws_graphs: dict[str, ResourceGraph], stack: str, env: str) -> None:
    result = _run(aws_graphs[stack], env)
    assert result.pack == "ml-platform"
    assert {p.name for p in result.policies} == {r.name for r in all_rules()} | {SUPPRESSIONS_POLICY}
    assert [(d.policy, d.level, d.urn, d.message) for d in result.diagnostics] == []
    # Every stack rule really judged something; the resource rules saw their resources (those
    # of the stack's cloud: a GKE/AKS-only rule has nothing to read in an AWS stack).
    evaluated = {policy for policy, _ in result.evaluated}
    cloud = stack.split("-", 1)[0]
    reading = {r.name for r in all_rules() if cloud in r.clouds}
    reading.discard("cost-increase-threshold")  # applies only with a base revision (mlbp check --compare)
    active = {p.name for p in result.policies if p.level != "disabled"} & reading
    assert active <= evaluated


# --- single misconfigurations ------------------------------------------------------------------
# Targets are found by their role (a GPU node group, the system pool, the datasets bucket), not
# by name, so the tests follow edits to the shipped blueprints.

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
TOTAL = ("compute-within-capacity-limits", None)  # a stack's GPU total may move with a mutation
Mutation = Callable[[ResourceGraph], tuple[ResourceGraph, set[tuple[str, str | None]]]]


def _labels(r: ResourceRecord) -> dict[str, Any]:
    return dict(r.inputs.get("labels") or {})


def _gpu_node_group(graph: ResourceGraph) -> ResourceRecord:
    return sorted(
        (r for r in graph.resources if r.type == NODE_GROUP and "mlplat/accelerator" in _labels(r)),
        key=lambda r: r.name,
    )[0]


def _system_node_group(graph: ResourceGraph) -> ResourceRecord:
    return next(r for r in graph.resources if r.type == NODE_GROUP and _labels(r).get("mlplat/pool") == "system")


def _datasets_bucket(graph: ResourceGraph) -> ResourceRecord:
    return next(
        r
        for r in graph.resources
        if r.type == "aws:s3/bucket:Bucket" and r.inputs["tags"].get("mlplat-purpose") == "datasets"
    )


def _sibling(graph: ResourceGraph, of: ResourceRecord, type_: str, prop: str) -> ResourceRecord:
    return next(r for r in graph.resources if r.type == type_ and of.urn in r.property_dependencies.get(prop, ()))


def _broken(target: ResourceRecord, policy: str, *, at_stack: bool = False) -> set[tuple[str, str | None]]:
    return {(policy, None if at_stack else target.name)}


def _flavor_of(ng: ResourceRecord) -> tuple[str, str | None]:
    """Kueue's quotas were sized for the pool's old nodes: 8 GPUs a node leaves them short of one."""
    return ("kueue-gpu-quotas-fit-pools", f"cluster-layer-queues-flavor-{_labels(ng)['mlplat/pool']}")


def h100_in_dev(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    ng = _gpu_node_group(g)
    broken = _broken(ng, "gpu-types-allowed-in-environment") | {_flavor_of(ng)}
    return _mutate(g, ng, {"instanceTypes": ["p5.48xlarge"]}), broken


def min_one_in_dev(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    ng = _gpu_node_group(g)
    return _mutate(g, ng, {"scalingConfig.minSize": 1.0}), _broken(ng, "gpu-pools-scale-to-zero")


def on_demand_in_dev(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    ng = _gpu_node_group(g)
    return _mutate(g, ng, {"capacityType": "ON_DEMAND"}), _broken(ng, "gpu-pools-and-batch-groups-use-spot")


def no_lifecycle(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    bucket = _datasets_bucket(g)
    lifecycle = _sibling(g, bucket, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "bucket")
    # The lifecycle configuration also expires noncurrent versions, so both rules fire.
    expected = _broken(bucket, "buckets-have-lifecycle-tiering") | _broken(
        bucket, "buckets-versioned-with-noncurrent-expiry"
    )
    return _drop(g, lifecycle), expected


def no_budget(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    budget = next(r for r in g.resources if r.type == "aws:budgets/budget:Budget")
    return _drop(g, budget), _broken(budget, "stack-has-budget-with-alerts", at_stack=True)


def gp2_volume(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    (template_urn,) = _gpu_node_group(g).property_dependencies["launchTemplate"]
    template = g.by_urn()[template_urn]
    changes = {"blockDeviceMappings.0.ebs.volumeType": "gp2"}
    return _mutate(g, template, changes), _broken(template, "volumes-gp3-with-capped-iops")


def no_cost_center(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    bucket = _datasets_bucket(g)
    return _mutate(g, bucket, {"tags.cost-center": DELETE}), _broken(bucket, "cost-allocation-tags-present")


def gpu_system_pool(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    system = _system_node_group(g)
    # ... and no device plugin serves it (it is not labelled for one): its GPUs have no runtime.
    broken = _broken(system, "gpus-only-in-gpu-pools") | _broken(system, "gpu-pools-have-one-gpu-runtime")
    return _mutate(g, system, {"instanceTypes": ["g5.xlarge"]}), broken


def other_region(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    bucket = _datasets_bucket(g)
    changes = {"region": "eu-central-1", "bucketRegionalDomainName": DELETE}  # still in the EU: GDPR is met
    return _mutate(g, bucket, changes), _broken(bucket, "buckets-in-cluster-region")


def oversized_system_pool(g: ResourceGraph) -> tuple[ResourceGraph, set[tuple[str, str | None]]]:
    system = _system_node_group(g)
    return _mutate(g, system, {"scalingConfig.maxSize": 40.0}), _broken(system, "compute-within-capacity-limits")


MUTATIONS: dict[str, tuple[str, str, Mutation]] = {
    "h100_node_group_in_dev": ("aws-dev", "dev", h100_in_dev),
    "gpu_pool_min_one_in_dev": ("aws-dev", "dev", min_one_in_dev),
    "on_demand_gpu_pool_in_dev": ("aws-dev", "dev", on_demand_in_dev),
    "bucket_without_lifecycle": ("aws-dev", "dev", no_lifecycle),
    "no_budget": ("aws-prod", "prod", no_budget),
    "gp2_launch_template": ("aws-dev", "dev", gp2_volume),
    "bucket_without_cost_center": ("aws-prod", "prod", no_cost_center),
    "gpu_system_pool_in_prod": ("aws-prod", "prod", gpu_system_pool),
    "bucket_in_another_region": ("aws-prod", "prod", other_region),
    "oversized_system_pool_in_prod": ("aws-prod", "prod", oversized_system_pool),
}


@pytest.mark.parametrize(("stack", "env", "mutation"), MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_single_misconfiguration_yields_the_expected_mandatory_violations(
    aws_graphs: dict[str, ResourceGraph], stack: str, env: str, mutation: Mutation
) -> None:
    graph, expected = mutation(aws_graphs[stack])
    found = _mandatory(_run(graph, env))
    # Exactly the expected violations; more GPUs may also push the stack over its GPU total.
    assert expected <= found <= expected | {TOTAL}


def test_a_suppression_with_a_reason_skips_the_policy_and_is_noted(aws_graphs: dict[str, ResourceGraph]) -> None:
    dev = aws_graphs["aws-dev"]
    graph = _mutate(
        dev,
        _gpu_node_group(dev),
        {
            "instanceTypes": ["p5.48xlarge"],
            "tags.mlplat-suppress": "gpu-types-allowed-in-environment",
            "tags.mlplat-suppress-reason": "H100 benchmark, FinOps ticket 42",
        },
    )
    result = _run(graph, "dev")
    # The allow-list is suppressed for this pool (the stack's GPU total and, with 8 GPUs a node,
    # the pool's Kueue quotas would still apply).
    assert _mandatory(result) <= {TOTAL, _flavor_of(_gpu_node_group(dev))}
    notes = [(d.policy, d.level, d.message.splitlines()[-1]) for d in result.diagnostics if d.level == "advisory"]
    assert notes == [
        (
            SUPPRESSIONS_POLICY,
            "advisory",
            "suppresses gpu-types-allowed-in-environment: H100 benchmark, FinOps ticket 42",
        )
    ]


def test_unknown_values_during_preview_are_advisory_notes_not_violations(aws_graphs: dict[str, ResourceGraph]) -> None:
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    dev = aws_graphs["aws-dev"]
    graph = _mutate(dev, _gpu_node_group(dev), {"instanceTypes": unknown, "scalingConfig.minSize": unknown})
    result = _run(graph, "dev")
    assert _mandatory(result) == set()
    notes = {d.policy for d in result.diagnostics if d.level == "advisory" and "during preview" in d.message}
    # Spot and GPUs-only pass: the pool is a declared GPU pool on SPOT, whatever its types.
    assert notes == {
        "gpu-types-allowed-in-environment",
        "compute-within-capacity-limits",
        "gpu-pools-scale-to-zero",
        "eks-gpu-pools-have-cluster-autoscaler",  # fixed size or not: the minimum is unknown
        "kueue-gpu-quotas-fit-pools",  # GPUs per node unknown
    }
