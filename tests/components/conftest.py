"""Synthesize the shipped AWS stacks once per test session (each in its own process, as
`mlbp` does) and hand tests the recorded resource graphs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blueprint.engine.model import ResourceGraph, ResourceRecord
from blueprint.engine.synth import SynthError, synthesize_stacks
from blueprint.loader import load_stack_file
from blueprint.model import Blueprint

ROOT = Path(__file__).resolve().parents[2]
AWS_STACKS = ("aws-dev", "aws-prod")


@pytest.fixture(scope="session")
def aws_graphs() -> dict[str, ResourceGraph]:
    paths = [ROOT / "stacks" / f"Pulumi.{name}.yaml" for name in AWS_STACKS]
    results = synthesize_stacks(ROOT, paths, jobs=2)
    graphs: dict[str, ResourceGraph] = {}
    for name, result in zip(AWS_STACKS, results, strict=True):
        if isinstance(result, SynthError):
            pytest.fail(str(result))
        graphs[name] = result
    return graphs


@pytest.fixture(scope="session")
def aws_blueprints() -> dict[str, Blueprint]:
    return {name: load_stack_file(ROOT / "stacks" / f"Pulumi.{name}.yaml").blueprint for name in AWS_STACKS}


def of_type(graph: ResourceGraph, type_token: str) -> list[ResourceRecord]:
    return [r for r in graph.resources if r.type == type_token]


def parent_name(graph: ResourceGraph, record: ResourceRecord) -> str:
    return graph.by_urn()[record.parent].name if record.parent else ""


def policy_doc(text: str) -> dict:  # type: ignore[type-arg]
    return json.loads(text)


def cluster_layer_counts(*, releases: int) -> dict[str, int]:
    """The cluster layer of a shipped dev stack (two workloads in one namespace, two GPU pools,
    the distributed engine on), by type: the same on every cloud but for its Helm releases."""
    return {
        "kubernetes:core/v1:Namespace": 1,
        "kubernetes:core/v1:ResourceQuota": 1,
        "kubernetes:core/v1:ServiceAccount": 2,
        "kubernetes:helm.sh/v3:Release": releases,
        "mlplat:kubernetes:DistributedEngine": 1,
        "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue": 2,
        "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue": 2,
        "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor": 2,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy": 1,
        "kubernetes:storage.k8s.io/v1:StorageClass": 1,
        "mlplat:kubernetes:ClusterLayer": 1,
        "mlplat:kubernetes:GpuQueues": 1,
        "mlplat:kubernetes:GpuRuntime": 1,
        "mlplat:kubernetes:Tenancy": 1,
        "pulumi:providers:kubernetes": 1,
    }
