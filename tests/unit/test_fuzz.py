"""Property tests: whatever the input, the loader either returns a Blueprint or raises its own
BlueprintError with one `source: ...` line per problem. Nothing else escapes."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from blueprint.errors import BlueprintError
from blueprint.loader import load_stack_file, parse_blueprint
from blueprint.model import Blueprint
from blueprint.schema import schema
from tests.unit.blueprints import PROVIDER_REGION_KEY, all_valid

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID = all_valid()


def _schema_keys(node: Any) -> set[str]:
    keys: set[str] = set()
    if isinstance(node, dict):
        keys |= set(node.get("properties", {}))
        for v in node.values():
            keys |= _schema_keys(v)
    elif isinstance(node, list):
        for v in node:
            keys |= _schema_keys(v)
    return keys


KNOWN_KEYS = sorted(_schema_keys(schema()) | {"config", "ml-platform:blueprint", "aws:region"})

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["aws", "gcp", "prod", "t4", "a10g", "eu-west-1", "infrequent", "archive", "10.0.0.0/16"]),
    st.dates(),
)
keys = st.one_of(
    st.sampled_from(KNOWN_KEYS),
    st.text(max_size=8),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


def assert_loader_contract(call: Any, source: str) -> None:
    try:
        result = call()
    except BlueprintError as exc:
        problems = exc.problems
    else:
        event("loaded")
        assert isinstance(getattr(result, "blueprint", result), Blueprint)
        return
    event("rejected")
    assert problems
    assert [line for line in problems if not line.startswith(f"{source}: ") or "\n" in line] == []


def load_text(tmp: Path, content: str | bytes) -> None:
    path = tmp / "Pulumi.fuzz.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert_loader_contract(lambda: load_stack_file(path, "s.yaml"), "s.yaml")


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# --- random documents -----------------------------------------------------------------------


@FUZZ
@given(doc=values, where=st.sampled_from(["top", "config", "blueprint"]))
def test_random_yaml_documents(tmp: Path, doc: Any, where: str) -> None:
    wrapped = {"top": doc, "config": {"config": doc}, "blueprint": {"config": {"ml-platform:blueprint": doc}}}[where]
    load_text(tmp, yaml.safe_dump(wrapped, sort_keys=False, allow_unicode=True))


@FUZZ
@given(doc=values)
def test_random_python_structures_as_blueprints(doc: Any) -> None:
    assert_loader_contract(lambda: parse_blueprint(doc, "b"), "b")


@FUZZ
@given(text=st.one_of(st.text(), st.text(alphabet="{}[]:,-&*!|>'\"#?@`%<\n\t abc01.~=\x00\ufeff")))
def test_random_text(tmp: Path, text: str) -> None:
    load_text(tmp, text)


@FUZZ
@given(prefix=st.sampled_from(["", "config:\n  ml-platform:blueprint:\n    "]), data=st.binary())
def test_random_bytes(tmp: Path, prefix: str, data: bytes) -> None:
    load_text(tmp, prefix.encode() + data)


# --- mutations of valid blueprints ----------------------------------------------------------

OUT_OF_RANGE = [-1, 0, -(10**9), 10**9, 2**63, 0.5, -0.5, 1e308, math.inf, -math.inf, math.nan, True]
TYPOS = ["maxNode", "minNode", "acceleratorcount", "tier", "Buckets", "region ", "afterdays", "contact"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def _mutate(bp: dict[str, Any], data: st.DataObject) -> None:
    paths = _paths(bp)
    op = data.draw(st.sampled_from(["drop", "retype", "range", "add", "swap", "duplicate", "rename"]))
    if op == "range":
        numbers = [p for p in paths if isinstance(_get(bp, p), int | float) and not isinstance(_get(bp, p), bool)]
        if numbers:
            path = data.draw(st.sampled_from(numbers))
            _get(bp, path[:-1])[path[-1]] = data.draw(st.sampled_from(OUT_OF_RANGE))
        return
    if op in ("add", "rename"):
        path = data.draw(st.sampled_from([p for p in paths if isinstance(_get(bp, p), dict)]))
        target = _get(bp, path)
        if op == "add":
            target[data.draw(st.one_of(keys, st.sampled_from(TYPOS)))] = data.draw(values)
        elif target:
            old = data.draw(st.sampled_from(list(target)))
            target[data.draw(st.sampled_from(TYPOS))] = target.pop(old)
        return
    if op in ("swap", "duplicate"):
        lists = [p for p in paths if isinstance(_get(bp, p), list) and len(_get(bp, p)) >= (2 if op == "swap" else 1)]
        if lists:
            items = _get(bp, data.draw(st.sampled_from(lists)))
            if op == "swap":
                i, j = data.draw(st.permutations(range(len(items))))[:2]
                items[i], items[j] = items[j], items[i]
            else:
                items.append(copy.deepcopy(data.draw(st.sampled_from(items))))
        return
    path = data.draw(st.sampled_from(paths[1:]))
    parent = _get(bp, path[:-1])
    if op == "drop":
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(values)


@FUZZ
@given(base=st.sampled_from(VALID), data=st.data())
def test_mutated_blueprints(base: dict[str, Any], data: st.DataObject) -> None:
    bp = copy.deepcopy(base)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        _mutate(bp, data)
    provider = data.draw(st.sampled_from([{}, {PROVIDER_REGION_KEY[base["cloud"]]: base["region"]}]))
    assert_loader_contract(lambda: parse_blueprint(bp, "m", provider_config=provider), "m")


@settings(FUZZ, max_examples=60)
@given(base=st.sampled_from(VALID), data=st.data())
def test_mutated_blueprints_through_a_stack_file(tmp: Path, base: dict[str, Any], data: st.DataObject) -> None:
    bp = copy.deepcopy(base)
    _mutate(bp, data)
    config = {PROVIDER_REGION_KEY[base["cloud"]]: base["region"], "ml-platform:blueprint": bp}
    load_text(tmp, yaml.safe_dump({"config": config}, sort_keys=False, allow_unicode=True))


def test_valid_bases_pass_unchanged() -> None:
    # The mutation tests only mean something if their starting points are valid.
    for bp in VALID:
        assert isinstance(parse_blueprint(copy.deepcopy(bp), "v"), Blueprint)
    assert len(VALID) == 3 + 3 * 3 * 2
