"""The example stacks in stacks/ load, and agree with their own provider config."""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprint.loader import load_stack_file
from tests.unit.blueprints import PROVIDER_REGION_KEY

STACKS = sorted((Path(__file__).resolve().parents[2] / "stacks").glob("Pulumi.*.yaml"))


def test_the_six_examples_are_shipped() -> None:
    names = {p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACKS}
    assert names >= {f"{c}-{e}" for c in ("aws", "gcp", "azure") for e in ("dev", "prod")}


@pytest.mark.parametrize("path", STACKS, ids=lambda p: p.name)
def test_shipped_stack_loads(path: Path) -> None:
    sf = load_stack_file(path)
    bp = sf.blueprint
    cloud, env = sf.name.split("-", 1)
    assert (bp.cloud, bp.environment) == (cloud, env)
    assert sf.config[PROVIDER_REGION_KEY[bp.cloud]] == bp.region


@pytest.mark.parametrize("path", STACKS, ids=lambda p: p.name)
def test_shipped_stack_opens_with_the_schema_comment(path: Path) -> None:
    assert path.read_text().splitlines()[0] == "# yaml-language-server: $schema=../blueprint/schema.json"


@pytest.mark.parametrize("path", [p for p in STACKS if p.name.endswith("-prod.yaml")], ids=lambda p: p.name)
def test_prod_examples_show_the_features(path: Path) -> None:
    bp = load_stack_file(path).blueprint
    assert len(bp.gpu_pools) >= 2
    assert bp.autoscaling_groups
    assert {b.purpose for b in bp.buckets} >= {"datasets", "models", "checkpoints"}
    assert all(b.tiers for b in bp.buckets)
    assert bp.workloads
    assert all(b.retain for b in bp.buckets)
