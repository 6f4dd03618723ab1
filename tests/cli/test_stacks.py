"""`mlbp stacks`: the CI matrix of stacks with their cloud and environment."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from blueprint.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_stacks_json_lists_every_stack_with_cloud_and_environment() -> None:
    result = CliRunner().invoke(cli, ["--project-dir", str(ROOT), "stacks", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["stack"] for r in rows] == ["aws-dev", "aws-prod", "azure-dev", "azure-prod", "gcp-dev", "gcp-prod"]
    assert {(r["stack"], r["cloud"], r["environment"]) for r in rows} >= {
        ("aws-prod", "aws", "prod"),
        ("gcp-dev", "gcp", "dev"),
    }
    assert all(r["file"] == f"stacks/Pulumi.{r['stack']}.yaml" for r in rows)


def test_stacks_reports_an_invalid_stack_as_input_error(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: ml-platform\nruntime: python\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.bad.yaml").write_text("config: {}\n")
    result = CliRunner().invoke(cli, ["--project-dir", str(tmp_path), "stacks"])
    assert result.exit_code == 2
    assert result.stderr == "stacks/Pulumi.bad.yaml: config: missing key 'ml-platform:blueprint' (the blueprint)\n"
