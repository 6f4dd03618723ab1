"""`mlbp check` end to end: synthesis, a real pack over the analyzer protocol, the report,
the exit code, and failing closed when the pack or a stack is broken."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from blueprint.cli import cli
from blueprint.engine.analyzer import analyze, launch
from blueprint.engine.model import ResourceGraph, ResourceRecord
from tests.components.test_plan_cli import failing_project

ROOT = Path(__file__).resolve().parents[2]
PACKS = ROOT / "tests" / "fixtures" / "packs"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text())


def mlbp(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--project-dir", str(ROOT), *args])
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


def line_of(stack: str, text: str) -> int:
    lines = (ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == text)


def test_mandatory_violations_exit_1_with_each_located_at_its_blueprint_entry() -> None:
    code, out, _ = mlbp("check", "aws-prod", "--policy-pack", str(PACKS / "aws-spot"), "--format", "json")
    assert code == 1
    (stack,) = json.loads(out)["stacks"]
    assert (stack["stack"], stack["cloud"], stack["environment"], stack["resources"]) == (
        "aws-prod",
        "aws",
        "prod",
        198,  # 157 in the cloud, 41 of the cluster layer (with the distributed engine)
    )
    got = sorted((v["policy"], v["level"], v["urn"].split("::")[-1], v["message"]) for v in stack["violations"])
    assert got == [
        (
            "node-groups-use-spot",
            "mandatory",
            "cluster-system",
            "Every EKS node group runs on spot capacity.\ncapacity type is ON_DEMAND",
        ),
        (
            "node-groups-use-spot",
            "mandatory",
            "serve-ng",
            "Every EKS node group runs on spot capacity.\ncapacity type is ON_DEMAND",
        ),
    ]


def test_sarif_is_valid_and_points_at_the_pool_entry(tmp_path: Path) -> None:
    out_file = tmp_path / "results.sarif"
    code, out, err = mlbp(
        "check", "aws-prod", "--policy-pack", str(PACKS / "aws-spot"), "--format", "sarif", "--output", str(out_file)
    )
    assert code == 1
    assert out == ""
    assert "wrote" in err
    sarif = json.loads(out_file.read_text())
    jsonschema.validate(sarif, SARIF_SCHEMA)
    lines = {
        r["message"]["text"].split("::")[-1].split()[0]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in sarif["runs"][0]["results"]
    }
    serve = next(line for text, line in lines.items() if text.startswith("serve-ng"))
    assert serve == line_of("aws-prod", "- name: serve")


def test_advisory_only_exits_0() -> None:
    code, out, _ = mlbp("check", "aws-dev", "--policy-pack", str(PACKS / "aws-spot"))
    # aws-dev's GPU pools are spot but its system pool is on-demand: still one violation.
    assert code == 1
    assert "cluster-system" in out and "dev-gpu" not in out
    code, out, _ = mlbp(
        "check",
        "aws-dev",
        "--policy-pack",
        str(PACKS / "aws-spot"),
        "--policy-pack-config",
        str(PACKS / "aws-spot" / "config-advisory.json"),
    )
    assert code == 0
    assert "1 advisory" in out


@pytest.mark.parametrize("pack", ["prints-garbage", "exits-at-once", "raises-in-analyze"])
def test_a_broken_pack_fails_the_check_closed(pack: str, tmp_path: Path) -> None:
    out_file = tmp_path / "report.json"
    code, out, err = mlbp(
        "check",
        "aws-dev",
        "--policy-pack",
        str(PACKS / pack),
        "--format",
        "json",
        "--output",
        str(out_file),
        "--timeout",
        "20",
    )
    assert code == 2
    assert out == ""
    assert err.startswith("aws-dev: ")
    assert not out_file.exists()


def test_a_pack_that_hangs_fails_after_the_timeout() -> None:
    code, _, err = mlbp("check", "aws-dev", "--policy-pack", str(PACKS / "sleeps-forever"), "--timeout", "3")
    assert code == 2
    assert "aws-dev: " in err


def test_a_program_that_never_finishes_fails_the_check_at_the_timeout(tmp_path: Path) -> None:
    project = failing_project(tmp_path / "project")
    (project / "__main__.py").write_text(
        "import asyncio\nimport pulumi\npulumi.Output.from_input(asyncio.ensure_future(asyncio.Event().wait()))\n"
    )
    result = CliRunner().invoke(
        cli,
        ["--project-dir", str(project), "check", "aws-dev", "--policy-pack", str(PACKS / "aws-spot"), "--timeout", "8"],
    )
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "aws-dev: synthesis did not finish within the deadline\n"


def test_a_failing_program_and_a_bad_config_are_errors(tmp_path: Path) -> None:
    project = failing_project(tmp_path / "project")
    result = CliRunner().invoke(
        cli, ["--project-dir", str(project), "check", "aws-dev", "--policy-pack", str(PACKS / "aws-spot")]
    )
    assert (result.exit_code, result.stdout) == (2, "")
    assert "aws-dev: the program failed under mocks: RunError: the platform could not be built" in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = mlbp("check", "aws-dev", "--policy-pack", str(PACKS / "aws-spot"), "--policy-pack-config", str(bad))
    assert code == 2
    assert err.startswith(f"{bad}: not a JSON policy pack config")


def _one_node_group_graph() -> ResourceGraph:
    urn = "urn:pulumi:s::ml-platform::aws:eks/nodeGroup:NodeGroup::gpu"
    record = ResourceRecord(
        urn=urn,
        type="aws:eks/nodeGroup:NodeGroup",
        name="gpu",
        parent=None,
        custom=True,
        inputs={"capacityType": "ON_DEMAND"},
    )
    return ResourceGraph(project="ml-platform", stack="s", resources=(record,))


def test_a_pack_launched_ahead_gives_the_same_verdict_and_is_closed() -> None:
    graph = _one_node_group_graph()
    direct = analyze(PACKS / "aws-spot", graph, timeout=30)
    launched = launch(PACKS / "aws-spot", project="ml-platform", stack="s", timeout=30)
    ahead = analyze(PACKS / "aws-spot", graph, launched=launched)
    assert ahead.diagnostics == direct.diagnostics
    assert [d.message for d in ahead.diagnostics] == [
        "Every EKS node group runs on spot capacity.\ncapacity type is ON_DEMAND"
    ]
    assert launched.running.proc.poll() is not None  # the pack process is gone


def test_a_pack_launched_for_another_stack_is_refused_and_closed() -> None:
    launched = launch(PACKS / "aws-spot", project="ml-platform", stack="other", timeout=30)
    with pytest.raises(ValueError, match="pack launched for other, asked to analyze s"):
        analyze(PACKS / "aws-spot", _one_node_group_graph(), launched=launched)
    assert launched.running.proc.poll() is not None


def test_the_pack_judges_the_stack_file_given_not_a_namesake_in_stacks(tmp_path: Path) -> None:
    # A copy of aws-prod under HIPAA: its spot training pool is a stateful data path on spot.
    text = (ROOT / "stacks" / "Pulumi.aws-prod.yaml").read_text()
    assert "    compliance:\n    - gdpr\n" in text
    copy = tmp_path / "Pulumi.aws-prod.yaml"
    copy.write_text(text.replace("    compliance:\n    - gdpr\n", "    compliance:\n    - gdpr\n    - hipaa\n"))
    code, out, _ = mlbp("check", str(copy), "--format", "json")
    assert code == 1
    (stack,) = json.loads(out)["stacks"]
    hipaa = {
        v["urn"].rsplit("::", 1)[-1]
        for v in stack["violations"]
        if v["policy"] == "hipaa-audit-logging-and-no-spot-data-paths"
    }
    assert "train-ng" in hipaa
