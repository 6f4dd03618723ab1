"""`mlbp cost`: formats, bad input, and `--compare` between two commits of a fixture repo."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from blueprint.cost.cli import cost_command
from tests.cost.helpers import ROOT


@click.group()
def mlbp() -> None:
    """Stand-in for the main group, which registers the command the same way."""


mlbp.add_command(cost_command)


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(mlbp, args)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repo holding the program and the aws-dev stack, in two commits: the second
    raises the dev-gpu pool to 3 nodes max and 1 expected."""
    root = tmp_path_factory.mktemp("repo")
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "components", root / "components", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "stacks").mkdir()
    stack = root / "stacks" / "Pulumi.aws-dev.yaml"
    original = (ROOT / "stacks" / "Pulumi.aws-dev.yaml").read_text(encoding="utf-8")
    stack.write_text(original.replace("region: eu-west-1", "region: us-east-1"), encoding="utf-8")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    changed = stack.read_text(encoding="utf-8").replace(
        "      maxNodes: 2\n      expectedAverageNodes: 0.3", "      maxNodes: 3\n      expectedAverageNodes: 1"
    )
    assert changed != stack.read_text(encoding="utf-8")
    stack.write_text(changed, encoding="utf-8")
    git("commit", "-q", "-am", "bigger dev-gpu pool")
    return root


def test_json_contract(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(["cost", "aws-dev", "--format", "json"], repo, monkeypatch)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {"stack", "currency", "monthly", "budgetUsd", "items", "notes"} <= set(doc)
    assert doc["stack"] == "aws-dev" and doc["currency"] == "USD" and doc["budgetUsd"] == 1500.0
    assert set(doc["monthly"]) == {"low", "expected", "high"}
    assert all(set(i) == {"urn", "type", "low", "expected", "high", "basis"} for i in doc["items"])
    assert doc["monthly"]["expected"] == pytest.approx(sum(i["expected"] for i in doc["items"]), abs=0.05)


def test_text_and_markdown(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = run(["cost", "aws-dev"], repo, monkeypatch)
    assert text.exit_code == 0 and text.output.startswith("aws-dev (aws us-east-1): $")
    md = run(["cost", "aws-dev", "--format", "markdown"], repo, monkeypatch)
    assert md.exit_code == 0 and "| Resource | Low | Expected | High | Basis |" in md.output


def test_compare_two_commits(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(["cost", "aws-dev", "--compare", "HEAD~1", "--format", "json"], repo, monkeypatch)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    (change,) = doc["changes"]
    assert change["status"] == "changed" and change["urn"].endswith("::dev-gpu-ng")
    # g4dn.xlarge spot in us-east-1: expected 0.3 -> 1 nodes, high 2 -> 3 nodes
    old, new = change["old"], change["new"]
    assert new["expected"] / old["expected"] == pytest.approx(1 / 0.3, rel=1e-3)
    assert new["high"] / old["high"] == pytest.approx(3 / 2, rel=1e-3)
    assert doc["delta"]["expected"] == pytest.approx(new["expected"] - old["expected"], abs=0.02)
    base_total = doc["base"]["monthly"]["expected"]
    assert doc["delta"]["expectedPercent"] == pytest.approx(doc["delta"]["expected"] / base_total * 100, abs=0.01)
    text = run(["cost", "aws-dev", "--compare", "HEAD~1"], repo, monkeypatch)
    assert "changed  NodeGroup dev-gpu-ng" in text.output


def test_compare_same_revision_has_no_changes(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(["cost", "aws-dev", "--compare", "HEAD", "--format", "markdown"], repo, monkeypatch)
    assert result.exit_code == 0 and "No line changed." in result.output


def test_bad_ref_exits_2_with_one_line(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(["cost", "aws-dev", "--compare", "no-such-ref"], repo, monkeypatch)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["no-such-ref: not a git revision in " + str(repo.resolve())]


def test_unknown_stack_exits_2(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(["cost", "nope"], repo, monkeypatch)
    assert result.exit_code == 2
    assert result.output.strip().startswith("nope: no such stack")
    assert len(result.output.strip().splitlines()) == 1
