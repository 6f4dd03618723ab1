"""Presets are complete, valid blueprints in every supported region, and cheap by default."""

from __future__ import annotations

import pytest

from blueprint.catalog import CLOUDS, Cloud, load_catalog
from blueprint.errors import BlueprintError
from blueprint.loader import parse_blueprint
from blueprint.presets import PRESETS, build_preset, environment_of

ENVIRONMENTS = ("dev", "staging", "prod")


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_preset_is_valid_in_every_region_and_environment_that_sells_its_gpus(preset: str, cloud: Cloud) -> None:
    refused = set()
    for region in load_catalog().regions[cloud]:
        for env in ENVIRONMENTS:
            try:
                raw = build_preset(
                    preset=preset,
                    cloud=cloud,
                    region=region,
                    environment=env,  # type: ignore[arg-type]
                    owner="ml-team",
                    cost_center="cc-1",
                )
            except BlueprintError as exc:
                (problem,) = exc.problems
                assert problem.startswith(f"--region {region}: {cloud} sells no ")
                assert "; regions that do: " in problem
                refused.add(region)
                continue
            bp = parse_blueprint(raw, f"{preset}/{cloud}/{region}/{env}")
            assert (bp.region, bp.environment) == (region, env)
    # Only where the catalog records none of the preset's GPUs in any zone (GCP europe-north1).
    assert refused == ({"europe-north1"} if cloud == "gcp" else set())


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_non_prod_presets_scale_gpus_to_zero_on_spot(preset: str, cloud: Cloud) -> None:
    raw = build_preset(
        preset=preset,
        cloud=cloud,
        region=next(iter(load_catalog().regions[cloud])),  # type: ignore[arg-type]
        environment="dev",
        owner="o",
        cost_center="c",
    )
    bp = parse_blueprint(raw, "x")
    assert bp.gpu_pools
    assert [(p.min_nodes, p.capacity) for p in bp.gpu_pools] == [(0, "spot")] * len(bp.gpu_pools)
    assert all(b.tiers for b in bp.buckets)


def test_monthly_budget_overrides_the_preset_default() -> None:
    raw = build_preset(
        preset="dev",
        cloud="aws",
        region="eu-west-1",
        environment="dev",
        owner="o@x.io",
        cost_center="c",
        monthly_budget_usd=42,
    )
    assert raw["budget"]["monthlyLimitUsd"] == 42
    assert raw["budget"]["contacts"] == ["o@x.io"]


@pytest.mark.parametrize(
    ("stack", "env"), [("aws-prod", "prod"), ("eu-staging", "staging"), ("lab", "dev"), ("PROD-eu", "prod")]
)
def test_environment_is_guessed_from_the_stack_name(stack: str, env: str) -> None:
    assert environment_of(stack) == env
