"""`mlbp new`: writes a valid stack that round-trips, never clobbers, never half-writes."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.catalog import CLOUDS, Cloud
from blueprint.loader import load_stack_file, parse_blueprint
from blueprint.presets import PRESETS, build_preset
from tests.cli.runner import mlbp, snapshot

REGION: dict[Cloud, str] = {"aws": "eu-west-1", "gcp": "europe-west4", "azure": "westeurope"}
PROVIDER_REGION_KEY: dict[Cloud, str] = {"aws": "aws:region", "gcp": "gcp:region", "azure": "azure-native:location"}
SCHEMA_LINE = "# yaml-language-server: $schema=../blueprint/schema.json"


def new(project: Path, stack: str = "lab", *extra: str, cloud: str = "aws", preset: str = "dev") -> Any:
    region = REGION[cloud]  # type: ignore[index]
    return mlbp("new", stack, "--cloud", cloud, "--region", region, "--preset", preset, *extra, project=project)


def preset_dict(preset: str, cloud: Cloud, environment: str = "dev") -> dict[str, Any]:
    return build_preset(
        preset=preset,
        cloud=cloud,
        region=REGION[cloud],
        environment=environment,  # type: ignore[arg-type]
        owner="ml-platform-team",
        cost_center="cc-0000",
    )


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_new_writes_a_valid_stack_that_round_trips(project: Path, cloud: Cloud, preset: str) -> None:
    result = new(project, f"{cloud}-{preset}", cloud=cloud, preset=preset)
    path = project / "stacks" / f"Pulumi.{cloud}-{preset}.yaml"
    assert result.exit_code == 0
    assert result.stdout == (
        f"wrote stacks/Pulumi.{cloud}-{preset}.yaml ({preset} preset, {cloud} {REGION[cloud]});"
        f" next: mlbp validate {cloud}-{preset}\n"
    )
    text = path.read_text()
    assert text.splitlines()[0] == SCHEMA_LINE
    expected = preset_dict(preset, cloud)
    config = yaml.safe_load(text)["config"]
    assert config["ml-platform:blueprint"] == expected
    assert config[PROVIDER_REGION_KEY[cloud]] == REGION[cloud]
    assert load_stack_file(path).blueprint == parse_blueprint(expected, "preset")
    assert mlbp("validate", f"{cloud}-{preset}", project=project).exit_code == 0


def test_schema_comment_resolves_from_the_stacks_folder() -> None:
    from tests.cli.runner import REPO

    assert (REPO / "stacks" / SCHEMA_LINE.split("$schema=")[1]).resolve() == REPO / "blueprint" / "schema.json"


def test_environment_is_guessed_from_the_name_unless_given(project: Path) -> None:
    new(project, "eu-prod")
    new(project, "eu-stage", "--environment", "prod")
    new(project, "lab")
    envs = [
        load_stack_file(project / "stacks" / f"Pulumi.{s}.yaml").blueprint.environment
        for s in ("eu-prod", "eu-stage", "lab")
    ]
    assert envs == ["prod", "prod", "dev"]


def test_options_reach_the_blueprint(project: Path) -> None:
    new(project, "lab", "--owner", "ana@example.com", "--cost-center", "cc-42", "--monthly-budget", "250")
    bp = load_stack_file(project / "stacks" / "Pulumi.lab.yaml").blueprint
    assert (bp.owner, bp.cost_center, bp.budget.monthly_limit_usd, bp.budget.contacts) == (
        "ana@example.com",
        "cc-42",
        250,
        ("ana@example.com",),
    )


# --- never clobber, never half-write ---------------------------------------------------------


def test_does_not_overwrite_without_force(project: Path) -> None:
    assert new(project).exit_code == 0
    path = project / "stacks" / "Pulumi.lab.yaml"
    path.write_text(path.read_text() + "# my edits\n")
    before = snapshot(project)
    result = new(project, preset="training")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "stacks/Pulumi.lab.yaml: already exists; use --force to overwrite\n"
    assert snapshot(project) == before


def test_overwrites_with_force(project: Path) -> None:
    new(project)
    result = new(project, "lab", "--force", preset="training")
    assert result.exit_code == 0
    assert yaml.safe_load((project / "stacks" / "Pulumi.lab.yaml").read_text())["config"]["ml-platform:blueprint"] == (
        preset_dict("training", "aws")
    )
    assert sorted(snapshot(project)) == ["Pulumi.yaml", "stacks/", "stacks/Pulumi.lab.yaml"]


def _raise(exc: BaseException) -> Any:
    def fail(*_: object, **__: object) -> None:
        raise exc

    return fail


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize(
    "exc", [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device")], ids=["interrupt", "disk-full"]
)
def test_a_failed_write_leaves_the_folder_as_it_was(
    project: Path, monkeypatch: pytest.MonkeyPatch, force: bool, exc: BaseException
) -> None:
    if force:
        new(project)
    before = snapshot(project)
    # The temp file is complete and synced when publishing it fails, or the sync itself fails.
    monkeypatch.setattr(os, "replace" if force else "link", _raise(exc))
    result = new(project, "lab", *(["--force"] if force else []), preset="training")
    assert result.exit_code != 0
    assert snapshot(project) == before
    if isinstance(exc, OSError):
        assert result.exit_code == 2
        assert result.stderr == "stacks/Pulumi.lab.yaml: cannot write: No space left on device\n"


def test_a_write_interrupted_halfway_through_the_text_leaves_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(project)
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.inner = real_fdopen(*args, **kwargs)

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.inner.close()

        def write(self, text: str) -> None:
            self.inner.write(text[: len(text) // 2])
            self.inner.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fdopen", HalfWriter)
    assert new(project).exit_code != 0
    assert snapshot(project) == before


def test_a_file_created_meanwhile_is_not_clobbered(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project / "stacks" / "Pulumi.lab.yaml"
    real_link = os.link

    def racing_link(src: str, dst: str) -> None:
        Path(dst).write_text("theirs\n")  # another writer wins the race after our exists() check
        real_link(src, dst)

    monkeypatch.setattr(os, "link", racing_link)
    result = new(project)
    assert result.exit_code == 2
    assert result.stderr == "stacks/Pulumi.lab.yaml: already exists; use --force to overwrite\n"
    assert sorted(snapshot(project)) == ["Pulumi.yaml", "stacks/", "stacks/Pulumi.lab.yaml"]
    assert path.read_text() == "theirs\n"


def test_an_invalid_blueprint_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    result = mlbp("new", "lab", "--cloud", "aws", "--region", "mars-1", project=project)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "stacks/Pulumi.lab.yaml: $.region: 'mars-1' is not a supported aws region (supported: us-east-1, us-east-2,"
        " us-west-2, eu-west-1, eu-central-1, eu-north-1, ap-northeast-1)"
    ]
    assert snapshot(project) == before


@pytest.mark.parametrize(("preset", "gpus"), [("dev", "t4"), ("inference", "l4 or t4"), ("training", "l4 or t4")])
def test_a_region_without_the_presets_gpus_is_refused_with_regions_that_have_them(
    project: Path, preset: str, gpus: str
) -> None:
    before = snapshot(project)
    result = mlbp("new", "lab", "--cloud", "gcp", "--region", "europe-north1", "--preset", preset, project=project)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"--region europe-north1: gcp sells no {gpus} GPU there, which the preset needs; regions that do: "
        "us-central1, us-east4, us-west1, europe-west1, europe-west4, asia-northeast1\n"
    )
    assert snapshot(project) == before


def test_every_problem_of_an_invalid_blueprint_is_shown(project: Path) -> None:
    result = mlbp("new", "lab", "--cloud", "gcp", "--region", "us-east-1", "--cost-center", "", project=project)
    assert result.exit_code == 2
    assert [line.split(": ")[1] for line in result.stderr.splitlines()] == ["$.costCenter", "$.region"]
    assert not (project / "stacks" / "Pulumi.lab.yaml").exists()


@pytest.mark.parametrize("stack", ["../../escape", "a/b", "", "lab yaml"])
def test_a_stack_name_that_is_not_a_plain_name_is_refused(project: Path, stack: str) -> None:
    before = snapshot(project.parent)
    result = new(project, stack)
    assert result.exit_code == 2
    assert result.stderr == f"{stack}: not a stack name (letters, digits, '-', '_' and '.' only)\n"
    assert snapshot(project.parent) == before


def test_new_creates_the_stacks_folder_of_a_fresh_checkout(project: Path) -> None:
    (project / "stacks").rmdir()
    assert new(project).exit_code == 0
    assert (project / "stacks" / "Pulumi.lab.yaml").is_file()
