"""`mlbp plan`: the synthesized stack as a tree or as the JSON contract other tools read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from blueprint.cli import cli
from tests.components.conftest import ROOT


def _plan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--project-dir", str(ROOT), "plan", *args])
    return result.exit_code, result.stdout, result.stderr


def test_plan_json_contract_and_protect_flags() -> None:
    code, out, _ = _plan("aws-prod", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["stack"] == "aws-prod"
    for r in doc["resources"]:
        assert set(r) == {
            "urn",
            "type",
            "name",
            "parent",
            "custom",
            "protect",
            "retainOnDelete",
            "dependencies",
            "inputs",
        }
    protected = {r["type"] for r in doc["resources"] if r["protect"]}
    assert protected == {"aws:s3/bucket:Bucket", "aws:kms/key:Key"}
    assert [r["urn"] for r in doc["resources"]] == sorted(r["urn"] for r in doc["resources"])


def test_plan_text_is_a_tree_with_counts() -> None:
    code, out, _ = _plan("aws-dev")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "aws-dev (ml-platform)"
    assert lines[1] == "└─ platform  mlplat:aws:Platform"
    assert "     1  aws:eks/cluster:Cluster" in lines
    assert any(line.startswith("132 cloud resources in 27 components") for line in lines), lines[-40:]


def failing_project(tmp_path: Path) -> Path:
    """A copy of the project whose program fails, as a broken component would."""
    (tmp_path / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "stacks" / "Pulumi.aws-dev.yaml", tmp_path / "stacks" / "Pulumi.aws-dev.yaml")
    (tmp_path / "__main__.py").write_text("import pulumi\nraise pulumi.RunError('the platform could not be built')\n")
    return tmp_path


def test_plan_of_a_failing_program_fails_cleanly(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--project-dir", str(failing_project(tmp_path)), "plan", "aws-dev"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "aws-dev: the program failed under mocks: RunError: the platform could not be built\n"


def test_plan_of_an_unknown_stack_lists_the_known_ones() -> None:
    code, _, err = _plan("nope")
    assert code == 2
    assert err.startswith("nope: no such stack (stacks/Pulumi.nope.yaml does not exist; stacks: aws-dev, aws-prod")


def _mlbp(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--project-dir", str(ROOT), *args])
    return result.exit_code, result.stdout


def test_graph_mermaid_has_every_resource_parent_edges_and_dependencies() -> None:
    code, out = _mlbp("graph", "aws-dev")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = [line for line in lines if line.strip().startswith("n") and "[" in line and "-->" not in line]
    assert len(nodes) == 159  # every resource of aws-dev, as in `mlbp plan`
    parent_edges = [line for line in lines if " --> " in line]
    assert len(parent_edges) == 158  # all but the Platform root have a parent in the graph
    label = {line.split("[")[0].split("(")[0].strip(): line for line in nodes}
    dependency = {(a, b) for a, _, b in (line.split() for line in lines if " -.-> " in line)}
    # The lifecycle configuration waits for versioning (depends_on in TieredBucket).
    assert any("datasets-versioning" in label[a] and "datasets-lifecycle" in label[b] for a, b in dependency)


def test_graph_dot_is_a_digraph_with_dashed_dependencies() -> None:
    code, out = _mlbp("graph", "aws-dev", "--format", "dot")
    assert code == 0
    assert out.startswith('digraph "aws-dev" {') and out.rstrip().endswith("}")
    assert out.count("[label=") == 159
    assert "[style=dashed];" in out
