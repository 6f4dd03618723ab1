"""Hostile input, values: non-finite numbers, out-of-range options, pack configs and pack
files that are not what they claim. Each is bad input: exit 2 with one clear line, never a
traceback and never a result computed from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.runner import REPO, mlbp
from tests.unit.blueprints import preset

NON_FINITE_YAML = [".nan", ".NaN", ".inf", "-.inf", "+.inf", "1.0e+400", "-1.0e+400"]


def _stack_text(bp: dict[str, object]) -> str:
    return yaml.safe_dump({"config": {"aws:region": "eu-west-1", "ml-platform:blueprint": bp}}, sort_keys=False)


@pytest.mark.parametrize("literal", NON_FINITE_YAML)
@pytest.mark.parametrize(
    "field", ["budget.monthlyLimitUsd", "gpuPools.0.expectedAverageNodes", "budget.alerts.0.thresholdPercent"]
)
def test_non_finite_numbers_in_a_stack_are_refused(tmp_path: Path, literal: str, field: str) -> None:
    """NaN passes `minimum`/`maximum` (every comparison with it is false); `check` then crashed
    the pack and `cost --format json` printed bare NaN (not JSON)."""
    bp = preset("training", "aws")
    bp["budget"]["alerts"] = [{"type": "actual", "thresholdPercent": 80}]
    placeholder = 123456.75
    node: Any = bp
    *parents, last = field.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = placeholder
    path = tmp_path / "Pulumi.nan.yaml"
    path.write_text(_stack_text(bp).replace(str(placeholder), literal))
    where = "$." + ".".join(f"[{p}]" if p.isdigit() else p for p in field.split(".")).replace(".[", "[")
    for args in (("validate",), ("cost", "--format", "json")):
        result = mlbp(*args, str(path))
        assert result.exit_code == 2
        assert result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"{path}: {where}: must be a finite number (got ")


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e400", "infinity"])
def test_new_refuses_a_non_finite_budget(value: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text())
    result = mlbp("new", "x", "--cloud", "aws", "--region", "eu-west-1", "--monthly-budget", value, project=root)
    assert result.exit_code == 2
    assert f"Invalid value for '--monthly-budget': {value!r} is not a finite number." in result.stderr
    assert list((root / "stacks").iterdir()) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nan", "'nan' is not a finite number."),
        ("inf", "'inf' is not a finite number."),
        ("1e400", "'1e400' is not a finite number."),
        ("1e300", "1e+300 is not in the range 0<x<=86400.0."),
        ("86401", "86401.0 is not in the range 0<x<=86400.0."),
        ("0", "0.0 is not in the range 0<x<=86400.0."),
    ],
)
def test_check_timeout_is_finite_and_bounded(value: str, message: str) -> None:
    """`--timeout inf` and `1e300` raised OverflowError in the thread waits; `nan` was accepted."""
    result = mlbp("check", "--timeout", value, "aws-dev")
    assert result.exit_code == 2
    assert f"Invalid value for '--timeout': {message}" in result.stderr


# --- policy pack configs and pack files -----------------------------------------------------


def _check(*args: str) -> tuple[int, list[str]]:
    result = mlbp("check", "-j", "1", *args, "aws-dev")
    assert result.stdout == ""
    return result.exit_code, result.stderr.splitlines()


def test_a_deeply_nested_policy_config_is_a_clean_error(tmp_path: Path) -> None:
    """100,000 levels raised RecursionError out of json.loads."""
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    code, lines = _check("--policy-pack-config", str(path))
    assert code == 2
    assert lines == [f"{path}: nested more than 32 levels deep"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"budget": {"enforcementLevel": "mandatory", "max": NaN}}',
            "$.budget.max: must be a finite number (got NaN)",
        ),
        ('{"budget": {"max": Infinity}}', "$.budget.max: must be a finite number (got Infinity)"),
        ('{"budget": {"max": -Infinity}}', "$.budget.max: must be a finite number (got -Infinity)"),
        ('{"budget": {"max": 1e400}}', "$.budget.max: must be a finite number (got 1e400)"),
        ('{"a": 1, "a": 2}', "$.a: duplicate key"),
        ("[1]", "$: must be a JSON object of policy name -> level or settings"),
        ("{", "not a JSON policy pack config: Expecting property name enclosed in double quotes (line 1, column 2)"),
    ],
)
def test_policy_config_values_are_checked_with_their_path(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(text)
    code, lines = _check("--policy-pack-config", str(path))
    assert code == 2
    assert lines == [f"{path}: {message}"]


def test_a_policy_config_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b'{"a": "\xff\xfe"}')
    code, lines = _check("--policy-pack-config", str(path))
    assert code == 2
    assert lines == [f"{path}: not UTF-8 text (byte 7)"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"runtime: python\ndescription: \xff\xfe\n", "not UTF-8 text (byte 29)"),
        (b"runtime: " + b"[" * 5000 + b"]" * 5000 + b"\n", "invalid YAML: nested too deeply"),
        (b"runtime: python\nruntime: nodejs\n", "invalid YAML: line 2, column 1: duplicate key 'runtime'"),
    ],
)
def test_a_broken_pulumipolicy_yaml_names_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    """A non-UTF-8 PulumiPolicy.yaml raised UnicodeDecodeError."""
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_bytes(content)
    code, lines = _check("--policy-pack", str(pack))
    assert code == 2
    assert lines == [f"aws-dev: policy pack {pack}: {pack / 'PulumiPolicy.yaml'}: {message}"]


def test_a_valid_policy_config_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"all": "advisory"}))
    result = mlbp("check", "-j", "1", "--policy-pack-config", str(path), "aws-dev")
    assert result.exit_code == 0, result.output
    assert "0 mandatory, 0 advisory violations" in result.stdout
