"""schema.json: a valid draft 2020-12 schema whose documented defaults are the ones the model and
the loader use, so the editor, the docs and the program cannot drift apart."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from blueprint import model
from blueprint.catalog import CLOUDS, TIER_CLASSES
from blueprint.loader import parse_blueprint
from blueprint.schema import schema
from tests.unit.blueprints import minimal

# Schema location ("*" = array items) -> the dataclass it is parsed into.
OBJECTS: dict[tuple[str, ...], type] = {
    (): model.Blueprint,
    ("network",): model.Network,
    ("cluster",): model.Cluster,
    ("cluster", "systemPool"): model.SystemPool,
    ("gpuPools", "*"): model.GpuPool,
    ("gpuPools", "*", "taints", "*"): model.Taint,
    ("autoscalingGroups", "*"): model.AutoscalingGroup,
    ("buckets", "*"): model.Bucket,
    ("buckets", "*", "tiers", "*"): model.Tier,
    ("encryption",): model.Encryption,
    ("workloads", "*"): model.Workload,
    ("budget",): model.Budget,
    ("budget", "alerts", "*"): model.BudgetAlert,
}
# Schema keys that are not a field of the same (snake_case) name.
RENAMED = {"class": "storage_class"}
FLATTENED = {((), "aws"), ((), "gcp"), ((), "azure")}  # Blueprint.aws_account_id etc.


def snake(name: str) -> str:
    return RENAMED.get(name) or re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def camel(name: str) -> str:
    inverse = {v: k for k, v in RENAMED.items()}
    head, *rest = name.split("_")
    return inverse.get(name) or head + "".join(w.title() for w in rest)


def plain(value: Any) -> Any:
    """A model value as it would appear in the schema: camelCase keys, lists for tuples."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {camel(f.name): plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def node(where: tuple[str, ...]) -> dict[str, Any]:
    out = schema()
    for part in where:
        out = out["items"] if part == "*" else out["properties"][part]
    return out


def same(documented: Any, actual: Any) -> bool:
    """Object defaults document some keys (network: {cidr: ...}); compare those."""
    actual = plain(actual)
    if isinstance(documented, dict) and isinstance(actual, dict):
        return all(k in actual and same(v, actual[k]) for k, v in documented.items())
    return bool(documented == actual)


def documented_defaults() -> Iterator[tuple[tuple[str, ...], str, Any]]:
    for where in OBJECTS:
        for key, prop in node(where).get("properties", {}).items():
            if "default" in prop:
                yield where, key, prop["default"]


def model_default(cls: type, key: str) -> Any:
    f = next(f for f in dataclasses.fields(cls) if f.name == snake(key))
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema())


def test_every_schema_property_maps_to_a_model_field() -> None:
    missing = [
        (where, key)
        for where, cls in OBJECTS.items()
        for key in node(where)["properties"]
        if (where, key) not in FLATTENED and snake(key) not in {f.name for f in dataclasses.fields(cls)}
    ]
    assert missing == []


def test_every_object_in_the_schema_is_closed() -> None:
    def objects(s: Any, path: str) -> Iterator[tuple[str, Any]]:
        if isinstance(s, dict):
            if "properties" in s:
                yield path, s.get("additionalProperties")
            for k, v in s.items():
                yield from objects(v, f"{path}/{k}")
        elif isinstance(s, list):
            for i, v in enumerate(s):
                yield from objects(v, f"{path}/{i}")

    found = dict(objects(schema(), "#"))
    assert len(found) >= len(OBJECTS)
    assert {path: ap for path, ap in found.items() if ap is not False and "/if" not in path} == {}


def test_schema_defaults_equal_model_defaults() -> None:
    compared, differ = [], []
    for where, key, documented in documented_defaults():
        actual = model_default(OBJECTS[where], key)
        if actual is dataclasses.MISSING:  # required in the model: the loader resolves it
            continue
        compared.append((where, key))
        if not same(documented, actual):
            differ.append((where, key, documented, plain(actual)))
    assert differ == []
    assert len(compared) >= 25
    assert {((), "network"), (("gpuPools", "*"), "taints"), (("budget",), "alerts")} <= set(compared)


def test_schema_defaults_equal_what_the_loader_fills_in() -> None:
    raw = minimal(
        network={},
        cluster={"systemPool": {}},
        gpuPools=[
            {"name": "gpu", "accelerator": "t4", "maxNodes": 1, "taints": [{"key": "k", "effect": "NoSchedule"}]}
        ],
        autoscalingGroups=[{"name": "prep", "instanceTypes": ["m6i.xlarge"], "maxSize": 1}],
        buckets=[{"name": "data", "purpose": "datasets", "tiers": [{"class": "infrequent", "afterDays": 30}]}],
        encryption={},
        workloads=[{"name": "wl", "namespace": "ml", "serviceAccount": "wl"}],
    )
    loaded = plain(parse_blueprint(raw, "f.yaml"))
    differ, compared = [], 0
    for where, key, documented in documented_defaults():
        given, value = raw, loaded
        for part in where:
            given, value = (given[0], value[0]) if part == "*" else (given[part], value[part])
        if key in given:  # lists given above so their items' defaults show
            continue
        compared += 1
        if not same(documented, value[key]):
            differ.append((where, key, documented, value[key]))
    assert differ == []
    assert compared >= 25


def test_loader_default_taint_is_the_documented_one() -> None:
    raw = minimal(gpuPools=[{"name": "gpu", "accelerator": "t4", "maxNodes": 1}])
    taints = plain(parse_blueprint(raw, "f.yaml").gpu_pools[0].taints)
    assert taints == node(("gpuPools", "*"))["properties"]["taints"]["default"]


@pytest.mark.parametrize(
    ("where", "values"),
    [
        (("cloud",), list(CLOUDS)),
        (("buckets", "*", "tiers", "*", "class"), list(TIER_CLASSES)),
    ],
)
def test_schema_enums_match_the_catalog(where: tuple[str, ...], values: list[str]) -> None:
    assert node(where)["enum"] == values
