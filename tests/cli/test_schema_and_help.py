"""`mlbp schema`, `mlbp catalog`, `--version` and `--help`."""

from __future__ import annotations

import json
from pathlib import Path

from blueprint import __version__
from blueprint.schema import schema
from tests.cli.runner import REPO, mlbp


def test_schema_prints_the_shipped_schema() -> None:
    result = mlbp("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads((REPO / "blueprint" / "schema.json").read_text()) == schema()


def test_schema_output_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "editor" / "blueprint.schema.json"
    result = mlbp("schema", "--output", str(out))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"wrote {out}\n")
    assert json.loads(out.read_text()) == schema()
    assert [p.name for p in out.parent.iterdir()] == ["blueprint.schema.json"]


def test_schema_output_that_cannot_be_written_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = mlbp("schema", "--output", str(tmp_path / "file" / "schema.json"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{tmp_path / 'file' / 'schema.json'}: cannot write: ")
    assert (tmp_path / "file").read_text() == "x"


def test_version() -> None:
    result = mlbp("--version")
    assert (result.exit_code, result.stdout) == (0, f"mlbp, version {__version__}\n")


def test_help_lists_the_commands() -> None:
    result = mlbp("--help")
    commands = result.stdout.split("Commands:")[1].split()
    assert result.exit_code == 0
    assert {"new", "validate", "schema", "catalog"} <= set(commands)


def test_catalog_lists_only_the_clouds_offers() -> None:
    result = mlbp("catalog", "--cloud", "gcp")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[0].startswith("gcp: regions us-central1, ")
    assert [line.split()[0] for line in lines[1:]] == ["t4", "l4", "v100", "a100-40gb", "a100-80gb", "h100"]


def test_unknown_choice_is_a_usage_error(tmp_path: Path) -> None:
    result = mlbp("new", "lab", "--cloud", "ibm", "--region", "x", project=tmp_path)
    assert result.exit_code == 2
    assert "'ibm' is not one of 'aws', 'gcp', 'azure'" in result.stderr
    assert list(tmp_path.iterdir()) == []
