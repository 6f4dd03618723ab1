"""`mlbp check --compare REF`: the base revision's cost reaches the cost-increase policy."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from blueprint.cli import cli

ROOT = Path(__file__).resolve().parents[2]
IGNORE = shutil.ignore_patterns("__pycache__", "node_modules")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The program, the pack and aws-dev in two commits; the second makes dev-gpu run 2 nodes
    on average instead of 0.3."""
    root = tmp_path_factory.mktemp("repo")
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, root / name)
    for folder in ("components", "policies"):
        shutil.copytree(ROOT / folder, root / folder, ignore=IGNORE)
    (root / "stacks").mkdir()
    stack = root / "stacks" / "Pulumi.aws-dev.yaml"
    shutil.copy(ROOT / "stacks" / "Pulumi.aws-dev.yaml", stack)

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
    text = stack.read_text()
    bigger = text.replace(
        "      maxNodes: 2\n      expectedAverageNodes: 0.3", "      maxNodes: 2\n      expectedAverageNodes: 2"
    )
    assert bigger != text
    stack.write_text(bigger)
    git("commit", "-q", "-am", "dev-gpu always on")
    return root


def check(repo: Path, *args: str) -> tuple[int, list[dict[str, str]], str]:
    result = CliRunner().invoke(cli, ["--project-dir", str(repo), "check", "aws-dev", "--format", "json", *args])
    violations = json.loads(result.stdout)["stacks"][0]["violations"] if result.stdout else []
    return result.exit_code, violations, result.stderr


def test_an_increase_over_the_threshold_is_reported_as_advisory(repo: Path) -> None:
    code, violations, _ = check(repo, "--compare", "HEAD~1")
    assert code == 0  # advisory: a reviewer sees it, the PR is not blocked
    (increase,) = [v for v in violations if v["policy"] == "cost-increase-threshold"]
    assert increase["level"] == "advisory"
    description, detail = increase["message"].split("\n")
    assert description.startswith("MLP-050: A change does not raise the stack's expected monthly cost")
    match = re.fullmatch(
        r"expected monthly cost rises from \$([\d,.]+) to \$([\d,.]+) \(\+\$([\d,.]+), [\d.]+ %\), above 20 %", detail
    )
    assert match, detail
    base, new, delta = (float(g.replace(",", "")) for g in match.groups())
    # dev-gpu runs 1.7 more nodes on average: a clear increase above the 20 % threshold
    assert new > base and abs(new - base - delta) < 0.01 and delta > 100


def test_no_compare_or_no_change_reports_nothing(repo: Path) -> None:
    for args in ((), ("--compare", "HEAD")):
        code, violations, _ = check(repo, *args)
        assert code == 0
        assert [v for v in violations if v["policy"] == "cost-increase-threshold"] == []


def test_a_bad_revision_is_an_input_error(repo: Path) -> None:
    code, violations, err = check(repo, "--compare", "no-such-ref")
    assert (code, violations) == (2, [])
    assert err.startswith("aws-dev: --compare no-such-ref: no-such-ref: not a git revision")
