"""Property tests: whatever the input, the loader either returns a Blueprint or raises its own
BlueprintError with one `source: ...` line per problem. Nothing else escapes, no problem line
repeats a `secure:` value's ciphertext, and no loaded number is NaN or infinite."""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from blueprint.errors import BlueprintError, format_path
from blueprint.loader import SECURE_MESSAGE, load_stack_file, parse_blueprint, redact_secrets
from blueprint.model import Blueprint
from blueprint.schema import schema
from tests.unit.blueprints import PROVIDER_REGION_KEY, all_valid
from tests.unit.hostile_values import MARK, container_positions, put, string_positions

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

# A `secure:` value as Pulumi writes it; MARK makes its ciphertext recognisable in any output.
secure_values = st.builds(lambda text: {"secure": MARK + text}, st.text(max_size=8))
leaves = st.one_of(
    secure_values,
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
        blueprint = getattr(result, "blueprint", result)
        assert isinstance(blueprint, Blueprint)
        assert_finite(blueprint)
        assert MARK not in repr(result)
        return
    event("rejected")
    assert problems
    assert [line for line in problems if not line.startswith(f"{source}: ") or "\n" in line] == []
    assert [line for line in problems if MARK in line] == []


def assert_finite(value: Any) -> None:
    """Every number of a loaded blueprint is finite (NaN passed every bound and broke sums)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            assert math.isfinite(item), value
        elif dataclasses.is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


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
        # Not into a `secure:` mapping: one with another key is plain data, echoed like any other.
        mappings = [p for p in paths if isinstance(_get(bp, p), dict) and set(_get(bp, p)) != {"secure"}]
        path = data.draw(st.sampled_from(mappings))
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


# --- secrets in every string position; non-finite numbers in every number position -----------

SECRET_POSITIONS = string_positions() + container_positions()
FEW = settings(FUZZ, max_examples=50)
NON_FINITE = [math.nan, math.inf, -math.inf, float("1e400")]


def _cloud_base(position: tuple[Any, ...]) -> st.SearchStrategy[dict[str, Any]]:
    cloud = position[0] if position[0] in ("aws", "gcp", "azure") else None
    return st.sampled_from([bp for bp in VALID if cloud is None or bp["cloud"] == cloud])


@FEW
@given(data=st.data(), position=st.sampled_from(SECRET_POSITIONS), text=st.text(max_size=40))
def test_a_secure_value_in_any_schema_position_is_refused_by_path_without_its_text(
    data: st.DataObject, position: tuple[Any, ...], text: str
) -> None:
    bp = put(data.draw(_cloud_base(position)), position, {"secure": MARK + text})
    with pytest.raises(BlueprintError) as caught:
        parse_blueprint(bp, "s")
    assert f"s: {format_path(position)}: {SECURE_MESSAGE}" in caught.value.problems
    assert [line for line in caught.value.problems if MARK in line] == []


@FEW
@given(base=st.sampled_from(VALID), data=st.data(), text=st.text(max_size=40))
def test_a_secure_value_replacing_any_existing_value_is_refused(
    base: dict[str, Any], data: st.DataObject, text: str
) -> None:
    bp = copy.deepcopy(base)
    path = data.draw(st.sampled_from(_paths(bp)[1:]))
    _get(bp, path[:-1])[path[-1]] = {"secure": MARK + text}
    with pytest.raises(BlueprintError) as caught:
        parse_blueprint(bp, "s")
    assert f"s: {format_path(path)}: {SECURE_MESSAGE}" in caught.value.problems
    assert [line for line in caught.value.problems if MARK in line] == []


@settings(FUZZ, max_examples=30)
@given(config=st.dictionaries(st.sampled_from(["aws:region", "gcp:project", "x:y", "a:b"]), values, max_size=4))
def test_no_ciphertext_survives_in_a_loaded_config(config: dict[str, Any]) -> None:
    assert MARK not in repr(redact_secrets(config))


def _number_paths(value: Any) -> list[tuple[Any, ...]]:
    return [
        p for p in _paths(value) if isinstance(_get(value, p), int | float) and not isinstance(_get(value, p), bool)
    ]


@FEW
@given(base=st.sampled_from([bp for bp in VALID if _number_paths(bp)]), data=st.data())
def test_a_non_finite_number_in_any_number_position_is_refused(base: dict[str, Any], data: st.DataObject) -> None:
    bp = copy.deepcopy(base)
    path = data.draw(st.sampled_from(_number_paths(bp)))
    number = data.draw(st.sampled_from(NON_FINITE))
    _get(bp, path[:-1])[path[-1]] = number
    with pytest.raises(BlueprintError) as caught:
        parse_blueprint(bp, "n")
    assert f"n: {format_path(path)}: must be a finite number (got {number})" in caught.value.problems


@settings(FUZZ, max_examples=30)
@given(
    base=st.sampled_from([bp for bp in VALID if _number_paths(bp)]),
    data=st.data(),
    literal=st.sampled_from([".nan", ".NaN", ".inf", "-.inf", "+.Inf", "1.0e+400"]),
)
def test_a_non_finite_yaml_number_in_a_stack_file_is_refused(
    tmp: Path, base: dict[str, Any], data: st.DataObject, literal: str
) -> None:
    bp = copy.deepcopy(base)
    path = data.draw(st.sampled_from(_number_paths(bp)))
    _get(bp, path[:-1])[path[-1]] = 987654.125  # a marker, replaced by the literal in the text
    config = {PROVIDER_REGION_KEY[base["cloud"]]: base["region"], "ml-platform:blueprint": bp}
    text = yaml.safe_dump({"config": config}, sort_keys=False).replace("987654.125", literal)
    file = tmp / "Pulumi.nan.yaml"
    file.write_text(text)
    with pytest.raises(BlueprintError) as caught:
        load_stack_file(file, "y.yaml")
    assert any(
        line.startswith(f"y.yaml: {format_path(path)}: must be a finite number") for line in caught.value.problems
    )


def test_every_schema_position_refuses_a_secure_value_on_every_base() -> None:
    """The deterministic twin of the property test: each place, on each valid base it fits."""
    for n, position in enumerate(SECRET_POSITIONS):
        cloud = position[0] if position[0] in ("aws", "gcp", "azure") else None
        for base in [bp for bp in VALID if cloud is None or bp["cloud"] == cloud][::4]:
            bp = put(base, position, {"secure": f"{MARK}{n}"})
            with pytest.raises(BlueprintError) as caught:
                parse_blueprint(bp, "s")
            assert f"s: {format_path(position)}: {SECURE_MESSAGE}" in caught.value.problems
            assert [line for line in caught.value.problems if MARK in line] == []
