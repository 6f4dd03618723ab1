"""The loader: defaults it resolves, what it returns, and how it reads files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from blueprint.catalog import CLOUDS, Cloud, load_catalog
from blueprint.errors import BlueprintError, format_path
from blueprint.loader import MAX_FILE_BYTES, load_stack_file, parse_blueprint, stack_name_of
from blueprint.model import GPU_TAINT, Blueprint
from tests.unit.blueprints import PROVIDER_REGION_KEY, REGION, minimal

POOL = {"name": "gpu", "accelerator": "t4", "maxNodes": 2}
BUCKET = {"name": "data", "purpose": "datasets", "tiers": [{"class": "infrequent", "afterDays": 30}]}


def problems_of(raw: object, **kwargs: object) -> tuple[str, ...]:
    with pytest.raises(BlueprintError) as info:
        parse_blueprint(raw, "f.yaml", **kwargs)  # type: ignore[arg-type]
    return info.value.problems


def write_stack(tmp_path: Path, blueprint: dict[str, object], name: str = "Pulumi.t.yaml", **config: object) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"config": {**config, "ml-platform:blueprint": blueprint}}, sort_keys=False))
    return path


# --- what parse_blueprint returns ---------------------------------------------------------


@pytest.mark.parametrize("cloud", CLOUDS)
def test_minimal_blueprint_parses_on_every_cloud(cloud: Cloud) -> None:
    bp = parse_blueprint(minimal(cloud), "f.yaml")
    assert (bp.cloud, bp.region, bp.gpu_pools, bp.buckets) == (cloud, REGION[cloud], (), ())


def test_blueprint_is_frozen() -> None:
    bp = parse_blueprint(minimal(), "f.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        bp.region = "us-east-1"  # type: ignore[misc]


@pytest.mark.parametrize(("cloud", "days"), [("aws", 365), ("gcp", 90), ("azure", 365)])
def test_rotation_default_depends_on_cloud(cloud: Cloud, days: int) -> None:
    assert parse_blueprint(minimal(cloud), "f.yaml").encryption.rotation_days == days


@pytest.mark.parametrize(
    ("cloud", "itype"), [("aws", "m6i.large"), ("gcp", "e2-standard-4"), ("azure", "Standard_D4s_v5")]
)
def test_system_pool_type_default_depends_on_cloud(cloud: Cloud, itype: str) -> None:
    assert parse_blueprint(minimal(cloud), "f.yaml").cluster.system_pool.instance_type == itype


@pytest.mark.parametrize(("environment", "retain"), [("prod", True), ("staging", False), ("dev", False)])
def test_bucket_retain_defaults_to_prod_only(environment: str, retain: bool) -> None:
    bp = parse_blueprint(minimal(environment=environment, buckets=[BUCKET]), "f.yaml")
    assert bp.buckets[0].retain is retain


def test_explicit_retain_wins_over_environment_default() -> None:
    bp = parse_blueprint(minimal(environment="prod", buckets=[BUCKET | {"retain": False}]), "f.yaml")
    assert bp.buckets[0].retain is False


@pytest.mark.parametrize("cloud", CLOUDS)
def test_accelerator_count_defaults_to_the_smallest_offer(cloud: Cloud) -> None:
    pool = parse_blueprint(minimal(cloud, gpuPools=[POOL]), "f.yaml").gpu_pools[0]
    smallest = min(load_catalog().accelerator_offers("t4", cloud), key=lambda o: o.gpus)
    assert (pool.accelerator_count, pool.instance_type) == (smallest.gpus, smallest.name)


def test_accelerator_count_picks_the_matching_machine() -> None:
    raw = minimal("gcp", gpuPools=[POOL | {"accelerator": "l4", "acceleratorCount": 4}])
    pool = parse_blueprint(raw, "f.yaml").gpu_pools[0]
    assert (pool.instance_type, pool.accelerator_count) == ("g2-standard-48", 4)


def test_instance_type_resolves_the_neutral_accelerator() -> None:
    raw = {"name": "gpu", "instanceType": "p4d.24xlarge", "maxNodes": 1}  # p4de is not sold in eu-west-1
    pool = parse_blueprint(minimal(gpuPools=[raw]), "f.yaml").gpu_pools[0]
    assert (pool.accelerator, pool.accelerator_count) == ("a100-40gb", 8)


def test_gpu_pool_defaults() -> None:
    pool = parse_blueprint(minimal(gpuPools=[POOL | {"minNodes": 1}]), "f.yaml").gpu_pools[0]
    assert pool.taints == (GPU_TAINT,)
    assert pool.expected_average_nodes == 1  # defaults to minNodes
    assert (pool.capacity, pool.workload, pool.disk_size_gib) == ("spot", "training", 200)


def test_explicitly_empty_taints_stay_empty() -> None:
    pool = parse_blueprint(minimal(gpuPools=[POOL | {"taints": []}]), "f.yaml").gpu_pools[0]
    assert pool.taints == ()


def test_budget_alerts_default_when_absent_only() -> None:
    bp = parse_blueprint(minimal(), "f.yaml")
    assert [(a.type, a.threshold_percent) for a in bp.budget.alerts] == [
        ("actual", 50),
        ("actual", 80),
        ("actual", 100),
        ("forecasted", 100),
    ]
    raw = minimal()
    raw["budget"]["alerts"] = [{"thresholdPercent": 90, "type": "forecasted"}]
    assert [(a.type, a.threshold_percent) for a in parse_blueprint(raw, "f.yaml").budget.alerts] == [("forecasted", 90)]


def test_parse_does_not_modify_its_input() -> None:
    raw = minimal(gpuPools=[POOL], buckets=[BUCKET])
    before = yaml.safe_dump(raw)
    parse_blueprint(raw, "f.yaml")
    assert yaml.safe_dump(raw) == before


# --- errors ---------------------------------------------------------------------------------


def test_every_problem_is_reported_with_the_source_prefix() -> None:
    raw = minimal(owner=7, gpuPools=[POOL | {"minNodes": 3}], colour="red")
    assert problems_of(raw) == (
        "f.yaml: $.colour: unknown key (did you mean 'cloud'?)",
        "f.yaml: $.owner: must be a string (got 7)",
        "f.yaml: $.gpuPools[0].maxNodes: must be >= minNodes (3)",
    )


def test_error_text_is_one_line_per_problem() -> None:
    raw = minimal(owner=7, gpuPools=[POOL | {"minNodes": 3}])
    with pytest.raises(BlueprintError) as info:
        parse_blueprint(raw, "f.yaml")
    assert str(info.value).splitlines() == list(info.value.problems)


@pytest.mark.parametrize("raw", [None, [], "text", 3])
def test_a_blueprint_that_is_not_a_mapping_is_one_problem(raw: object) -> None:
    assert problems_of(raw) == (f"f.yaml: $: the blueprint must be a mapping (got {type(raw).__name__})",)


def test_non_string_keys_are_reported_with_their_path() -> None:
    raw = minimal(tags={2024: "year"}, gpuPools=[POOL | {"labels": {True: "on"}}])
    raw[None] = "x"
    assert problems_of(raw) == (
        "f.yaml: $: key None must be a string; quote it",
        "f.yaml: $.gpuPools[0].labels: key True must be a string; quote it",
        "f.yaml: $.tags: key 2024 must be a string; quote it",
    )


def test_unhashable_values_where_names_belong_are_problems_not_crashes() -> None:
    raw = minimal(
        buckets=[BUCKET | {"name": ["data"]}],
        workloads=[{"name": "wl", "namespace": "ml", "serviceAccount": "wl", "buckets": {"data": "read"}}],
    )
    raw["budget"]["alerts"] = [{"thresholdPercent": 50, "type": ["actual"]}]
    assert problems_of(raw) == (
        'f.yaml: $.buckets[0].name: must be a string (got ["data"])',
        'f.yaml: $.budget.alerts[0].type: must be one of actual, forecasted (got ["actual"])',
        "f.yaml: $.workloads[0].buckets.data: no bucket named 'data' (buckets: none)",
    )


def test_authorized_cidrs_are_checked_without_a_system_pool() -> None:
    raw = minimal(cluster={"authorizedCidrs": ["10.0.0.0/8", "office"]})
    assert problems_of(raw) == ("f.yaml: $.cluster.authorizedCidrs[1]: 'office' is not an IPv4 CIDR",)


def test_provider_region_is_compared_only_when_given() -> None:
    parse_blueprint(minimal(), "f.yaml", provider_config={})
    assert problems_of(minimal(), provider_config={"aws:region": "us-east-1"}) == (
        "f.yaml: $.region: 'eu-west-1' differs from config aws:region 'us-east-1'",
    )


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        ([], "$"),
        (["gpuPools", 1, "maxNodes"], "$.gpuPools[1].maxNodes"),
        (["tags", "a/b"], '$.tags["a/b"]'),
        (["labels", "my-label"], "$.labels.my-label"),
    ],
)
def test_format_path(parts: list[str | int], text: str) -> None:
    assert format_path(parts) == text


# --- reading files --------------------------------------------------------------------------


def test_load_stack_file_returns_name_config_and_lines(tmp_path: Path) -> None:
    path = write_stack(tmp_path, minimal(gpuPools=[POOL]), "Pulumi.lab.yaml", **{"aws:region": "eu-west-1"})
    sf = load_stack_file(path)
    assert (sf.name, sf.config["aws:region"]) == ("lab", "eu-west-1")
    assert sf.blueprint == parse_blueprint(minimal(gpuPools=[POOL]), "x")
    text = path.read_text().splitlines()
    assert text[sf.line_of("gpuPools", 0, "maxNodes") - 1].strip() == "maxNodes: 2"  # type: ignore[operator]
    assert text[sf.line_of("cloud") - 1].strip() == "cloud: aws"  # type: ignore[operator]
    assert sf.line_of("nope") is None


@pytest.mark.parametrize("cloud", CLOUDS)
def test_provider_region_key_per_cloud_is_checked(tmp_path: Path, cloud: Cloud) -> None:
    path = write_stack(tmp_path, minimal(cloud), **{PROVIDER_REGION_KEY[cloud]: "elsewhere"})
    with pytest.raises(BlueprintError) as info:
        load_stack_file(path, "s.yaml")
    assert info.value.problems == (
        f"s.yaml: $.region: '{REGION[cloud]}' differs from config {PROVIDER_REGION_KEY[cloud]} 'elsewhere'",
    )


@pytest.mark.parametrize(
    ("file", "name"), [("Pulumi.aws-prod.yaml", "aws-prod"), ("Pulumi.x.yml", "x"), ("dev.yaml", "dev")]
)
def test_stack_name_of(file: str, name: str) -> None:
    assert stack_name_of(Path(file)) == name


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BlueprintError) as info:
        load_stack_file(tmp_path / "nope.yaml", "nope.yaml")
    assert info.value.problems == ("nope.yaml: no such stack file",)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(BlueprintError) as info:
        load_stack_file(tmp_path, "d")
    assert info.value.problems == ("d: cannot read: Is a directory",)


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("config: {}\n" + "#" * MAX_FILE_BYTES)
    with pytest.raises(BlueprintError) as info:
        load_stack_file(path, "big.yaml")
    assert info.value.problems == ("big.yaml: file is larger than 1024 KiB; is it a stack file?",)


def test_yaml_merge_keys_are_allowed_and_explicit_keys_override(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.m.yaml"
    path.write_text(
        "pool: &pool {accelerator: t4, maxNodes: 2, diskSizeGib: 100}\n"
        "config:\n"
        "  ml-platform:blueprint:\n"
        "    environment: dev\n    cloud: aws\n    region: eu-west-1\n    owner: o\n    costCenter: c\n"
        "    budget: {monthlyLimitUsd: 1, contacts: [a@b.co]}\n"
        "    gpuPools:\n"
        "    - {<<: *pool, name: one}\n"
        "    - {<<: *pool, name: two, diskSizeGib: 300}\n"
    )
    pools = load_stack_file(path).blueprint.gpu_pools
    assert [(p.name, p.disk_size_gib) for p in pools] == [("one", 100), ("two", 300)]


def test_moderate_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.a.yaml"
    raw = minimal(tags={"team": "ml"})
    path.write_text(
        "x: &x ["
        + ", ".join(["v"] * 1000)
        + "]\ny: ["
        + ", ".join(["*x"] * 50)
        + "]\n"
        + yaml.safe_dump({"config": {"ml-platform:blueprint": raw}})
    )
    assert load_stack_file(path).blueprint.tags == {"team": "ml"}


def test_too_many_values_without_aliases_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.a.yaml"
    path.write_text("x: [" + ",".join(["1"] * 100_001) + "]\n")
    with pytest.raises(BlueprintError) as info:
        load_stack_file(path, "a.yaml")
    assert info.value.problems == (
        "a.yaml: invalid YAML: line 1, column 4: more than 100000 values once aliases are expanded",
    )


def test_line_index_failing_does_not_fail_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Composing twice (once to load, once for line numbers) must not turn a file that loaded
    # into a RecursionError.
    path = write_stack(tmp_path, minimal())
    import blueprint.yamlsrc as yamlsrc

    def deep(*_: object, **__: object) -> object:
        raise RecursionError

    monkeypatch.setattr(yamlsrc.yaml, "compose", deep)
    assert isinstance(load_stack_file(path).blueprint, Blueprint)
