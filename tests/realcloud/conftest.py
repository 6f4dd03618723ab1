"""Stacks to hold real-cloud constraints against: the shipped examples, and the class they
come from (every preset, in several regions, dev and prod), each synthesized under mocks in
its own process as `mlbp check` does. A constraint test asserts over all of them, so a
property that holds for one example but not for a generated stack still fails.

Use the `realcloud_cases` fixture with a cloud: `realcloud_cases("aws")` returns a list of
`Case(name, blueprint, graph)`; synthesis runs once per cloud per test session."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from blueprint.catalog import Cloud
from blueprint.engine.model import ResourceGraph, ResourceRecord
from blueprint.engine.synth import SynthError
from blueprint.engine.workers import synthesize_stacks
from blueprint.generator import render_stack
from blueprint.loader import load_stack_file
from blueprint.model import Blueprint
from blueprint.presets import PRESETS, build_preset

ROOT = Path(__file__).resolve().parents[2]

# Two regions per cloud, on two continents, where every preset's GPUs are sold.
GENERATED_REGIONS: dict[Cloud, tuple[str, ...]] = {
    "aws": ("us-east-1", "eu-west-1"),
    "gcp": ("us-central1", "europe-west4"),
    "azure": ("eastus", "westeurope"),
}
ENVIRONMENTS = ("dev", "prod")


@dataclass(frozen=True, kw_only=True)
class Case:
    name: str
    blueprint: Blueprint
    graph: ResourceGraph

    def of_type(self, type_token: str) -> list[ResourceRecord]:
        return [r for r in self.graph.resources if r.type == type_token]

    def by_urn(self) -> dict[str, ResourceRecord]:
        return self.graph.by_urn()


def _generated_files(cloud: Cloud, folder: Path) -> list[Path]:
    paths: list[Path] = []
    for preset in PRESETS:
        for region in GENERATED_REGIONS[cloud]:
            for env in ENVIRONMENTS:
                bp = build_preset(
                    preset=preset,
                    cloud=cloud,
                    region=region,
                    environment=env,
                    owner="ml-platform@example.com",
                    cost_center="ml",
                )
                path = folder / f"Pulumi.gen-{cloud}-{preset}-{region}-{env}.yaml"
                path.write_text(render_stack(bp, schema_ref="schema.json"), encoding="utf-8")
                paths.append(path)
    return paths


@pytest.fixture(scope="session")
def realcloud_cases(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Cloud], list[Case]]:
    cache: dict[Cloud, list[Case]] = {}

    def cases(cloud: Cloud) -> list[Case]:
        if cloud not in cache:
            shipped = sorted((ROOT / "stacks").glob(f"Pulumi.{cloud}-*.yaml"))
            generated = _generated_files(cloud, tmp_path_factory.mktemp(f"gen-{cloud}"))
            paths = shipped + generated
            results = synthesize_stacks(ROOT, paths, jobs=2)
            found: list[Case] = []
            for path, result in zip(paths, results, strict=True):
                if isinstance(result, SynthError):
                    pytest.fail(str(result))
                sf = load_stack_file(path)
                found.append(Case(name=sf.name, blueprint=sf.blueprint, graph=result))
            cache[cloud] = found
        return cache[cloud]

    return cases


def policy_doc(text: str) -> dict:  # type: ignore[type-arg]
    return json.loads(text)
