"""`mlbp validate`: the bad-stack corpus, several stacks at once, names and --all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.cli.runner import REPO, mlbp

BAD = REPO / "tests" / "fixtures" / "bad_stacks"
GOOD = REPO / "tests" / "fixtures" / "good_stacks"
EXPECTED: dict[str, list[str]] = yaml.safe_load((BAD / "expected.yaml").read_text())
BAD_FILES = sorted(p.name for p in BAD.iterdir() if p.name != "expected.yaml")


def ok_line(display: str, summary: str) -> str:
    return f"ok  {display}: {summary}, 0 GPU pools, 0 buckets, budget $100/month"


def test_every_bad_stack_has_its_expected_lines_and_vice_versa() -> None:
    assert sorted(EXPECTED) == BAD_FILES
    assert len(BAD_FILES) >= 40
    assert all(EXPECTED[name] for name in BAD_FILES)


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_stack(name: str) -> None:
    display = f"tests/fixtures/bad_stacks/{name}"
    result = mlbp("validate", str(BAD / name))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{display}: {line}" for line in EXPECTED[name]]


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_the_minimal_stacks_the_corpus_starts_from_are_valid(cloud: str) -> None:
    result = mlbp("validate", str(GOOD / f"minimal-{cloud}.yaml"))
    region = {"aws": "eu-west-1", "gcp": "europe-west4", "azure": "westeurope"}[cloud]
    assert (result.exit_code, result.stderr) == (0, "")
    display = f"tests/fixtures/good_stacks/minimal-{cloud}.yaml"
    assert result.stdout.splitlines() == [ok_line(display, f"{cloud} {region} dev")]


def test_several_stacks_print_ok_lines_and_every_problem_of_every_bad_one() -> None:
    files = [
        GOOD / "minimal-aws.yaml",
        BAD / "bounds-min-greater-than-max.yaml",
        GOOD / "minimal-gcp.yaml",
        BAD / "required-missing.yaml",
    ]
    result = mlbp("validate", *map(str, files))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        ok_line("tests/fixtures/good_stacks/minimal-aws.yaml", "aws eu-west-1 dev"),
        ok_line("tests/fixtures/good_stacks/minimal-gcp.yaml", "gcp europe-west4 dev"),
    ]
    assert result.stderr.splitlines() == [
        "tests/fixtures/bad_stacks/bounds-min-greater-than-max.yaml: $.gpuPools[0].maxNodes: must be >= minNodes (3)",
        "tests/fixtures/bad_stacks/required-missing.yaml: $.owner: is required",
        "tests/fixtures/bad_stacks/required-missing.yaml: $.budget: is required",
    ]


def test_unknown_stack_names_are_listed_together_and_nothing_is_validated(project: Path) -> None:
    shutil.copy(GOOD / "minimal-aws.yaml", project / "stacks" / "Pulumi.lab.yaml")
    result = mlbp("validate", "nope", "lab", "other/Pulumi.x.yaml", project=project)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "nope: no such stack (stacks/Pulumi.nope.yaml does not exist; stacks: lab)",
        "other/Pulumi.x.yaml: no such stack (other/Pulumi.x.yaml does not exist; stacks: lab)",
    ]


def test_a_stack_name_means_its_file_in_stacks(project: Path) -> None:
    shutil.copy(GOOD / "minimal-azure.yaml", project / "stacks" / "Pulumi.lab.yaml")
    result = mlbp("validate", "lab", project=project)
    assert (result.exit_code, result.stdout) == (0, ok_line("stacks/Pulumi.lab.yaml", "azure westeurope dev") + "\n")


def test_all_picks_up_every_stack_file_and_nothing_else(project: Path) -> None:
    stacks = project / "stacks"
    for cloud in ("aws", "gcp"):
        shutil.copy(GOOD / f"minimal-{cloud}.yaml", stacks / f"Pulumi.{cloud}-lab.yaml")
    shutil.copy(BAD / "tier-order.yaml", stacks / "Pulumi.broken.yaml")
    (stacks / "notes.yaml").write_text("not: a stack\n")
    (stacks / "Pulumi.aws-lab.yaml.bak").write_text("garbage: [\n")
    result = mlbp("validate", "--all", project=project)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        ok_line("stacks/Pulumi.aws-lab.yaml", "aws eu-west-1 dev"),
        ok_line("stacks/Pulumi.gcp-lab.yaml", "gcp europe-west4 dev"),
    ]
    assert result.stderr.splitlines() == [f"stacks/Pulumi.broken.yaml: {line}" for line in EXPECTED["tier-order.yaml"]]


def test_a_stack_named_twice_or_also_in_all_is_validated_once(project: Path) -> None:
    shutil.copy(GOOD / "minimal-aws.yaml", project / "stacks" / "Pulumi.lab.yaml")
    result = mlbp("validate", "--all", "lab", "lab", project=project)
    assert (result.exit_code, len(result.stdout.splitlines())) == (0, 1)


def test_all_validates_the_shipped_examples() -> None:
    result = mlbp("validate", "--all")
    shipped = sorted((REPO / "stacks").glob("Pulumi.*.yaml"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [f"ok  stacks/{p.name}" for p in shipped]


def test_no_stacks_at_all_is_an_input_error(project: Path) -> None:
    result = mlbp("validate", project=project)
    assert (result.exit_code, result.stderr) == (2, "no stacks given: name one (e.g. aws-dev), a path, or use --all\n")
    assert mlbp("validate", "--all", project=project).exit_code == 2
