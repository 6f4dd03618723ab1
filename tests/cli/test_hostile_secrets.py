"""Hostile input, secrets: a `secure:` value (a Pulumi ciphertext) never appears in anything
mlbp prints or writes, whatever command, format and place it comes in.

Pulumi reads any mapping of exactly one `secure` key with a string value as an encrypted
secret, at any depth of a config value (pulumi/pulumi sdk/go/common/resource/config/value.go,
`isSecureValue`). In the blueprint such a value is refused, by its path and without its text;
in the provider config (`azure-native:subscriptionId`, `aws:region`, ...) it stays a secret
that mlbp never decrypts, so the mocks use their stand-ins."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.catalog import CLOUDS, Cloud
from blueprint.engine.check import CheckOptions, run_check
from blueprint.engine.reports import FORMATS, as_text, render
from blueprint.errors import format_path
from blueprint.loader import SECURE_MESSAGE, load_stack_file
from blueprint.project import find_project
from tests.cli.runner import REPO, mlbp
from tests.unit.blueprints import PROVIDER_REGION_KEY, preset
from tests.unit.hostile_values import MARK, container_positions, put, secure, string_positions
from tests.unit.hostile_values import Path as BpPath

POSITIONS = string_positions() + container_positions()


def _cloud_for(path: BpPath) -> Cloud:
    return path[0] if path[0] in CLOUDS else "aws"


def _stack(bp: dict[str, Any], **config: Any) -> str:
    cloud: Cloud = bp["cloud"] if bp["cloud"] in CLOUDS else "aws"
    region = bp["region"] if isinstance(bp["region"], str) else "eu-west-1"
    doc = {"config": {PROVIDER_REGION_KEY[cloud]: region, **config, "ml-platform:blueprint": bp}}
    return yaml.safe_dump(doc, sort_keys=False)


def _bad_stacks(folder: Path) -> dict[Path, str]:
    """One stack file per place: a `secure:` value there, on the training preset of a cloud
    that uses the place. Returns file -> the `$.path` that must be reported."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[Path, str] = {}
    for n, position in enumerate(POSITIONS):
        bp = put(preset("training", _cloud_for(position), "prod"), position, secure(n))
        path = folder / f"Pulumi.secret-{n:02d}.yaml"
        path.write_text(_stack(bp))
        out[path] = format_path(position)
    return out


def _assert_no_secret(*texts: str | bytes) -> None:
    for text in texts:
        assert MARK not in (text.decode("utf-8", "replace") if isinstance(text, bytes) else text)


@pytest.fixture(scope="module")
def bad_stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, str]:
    return _bad_stacks(tmp_path_factory.mktemp("secrets") / "stacks")


def test_every_string_and_container_position_is_covered() -> None:
    """The positions come from schema.json; if this shrinks, the derivation broke."""
    assert len(string_positions()) >= 45
    assert ("owner",) in POSITIONS and ("tags", "extra") in POSITIONS and ("tags",) in POSITIONS
    assert ("budget", "contacts", 0) in POSITIONS and ("aws", "accountId") in POSITIONS
    assert ("gpuPools", 0, "labels") in POSITIONS


def test_validate_names_each_secure_value_by_path_and_prints_none(bad_stacks: dict[Path, str]) -> None:
    result = mlbp("validate", *map(str, bad_stacks))
    assert result.exit_code == 2
    _assert_no_secret(result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    for path, where in bad_stacks.items():
        expected = f"{path.name}: {where}: {SECURE_MESSAGE}"
        assert any(line.endswith(expected) for line in lines), expected
    # Nothing else is said about the secret's own place (no "must be a string (got ...)").
    for path, where in bad_stacks.items():
        about = [line for line in lines if f"{path.name}: {where}:" in line]
        assert len(about) == 1, about


def test_a_secure_value_nested_in_a_map_is_no_key_named_secure(tmp_path: Path) -> None:
    """`tags: {secure: X}` was read as a tag named `secure` and printed 54 times by plan."""
    bp = put(preset("dev", "aws"), ("tags",), secure())
    path = tmp_path / "Pulumi.tags.yaml"
    path.write_text(_stack(bp))
    result = mlbp("plan", "--format", "json", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(f": $.tags: {SECURE_MESSAGE}")
    _assert_no_secret(result.output)


@pytest.mark.parametrize(
    "args",
    [
        *(("plan", "--format", f) for f in ("text", "json")),
        *(("graph", "--format", f) for f in ("mermaid", "dot")),
        *(("cost", "--format", f) for f in ("text", "json", "markdown")),
    ],
    ids=" ".join,
)
def test_single_stack_commands_refuse_every_secure_position_silently(
    bad_stacks: dict[Path, str], args: tuple[str, ...]
) -> None:
    # Every position for the cheap commands; a sample for those that start a synthesis worker.
    items = list(bad_stacks.items())
    for path, where in items if args[0] == "cost" else items[:: max(1, len(items) // 6)]:
        result = mlbp(*args, str(path))
        assert result.exit_code == 2, (args, where, result.output)
        assert result.stdout == ""
        assert f": {where}: {SECURE_MESSAGE}\n" in result.stderr
        _assert_no_secret(result.stderr)


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_refuses_every_secure_position_in_every_format(
    bad_stacks: dict[Path, str], fmt: str, tmp_path: Path
) -> None:
    out = tmp_path / "report.out"
    result = mlbp("check", "-j", "1", "--format", fmt, "-o", str(out), *map(str, bad_stacks))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) >= len(bad_stacks)
    _assert_no_secret(result.output)
    assert not out.exists() or MARK not in out.read_text()


def test_stacks_and_validate_all_in_a_project(bad_stacks: dict[Path, str], tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "stacks").mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", root)
    for path in bad_stacks:
        shutil.copy(path, root / "stacks" / path.name)
    for args in (("stacks",), ("stacks", "--format", "json"), ("validate", "--all")):
        result = mlbp(*args, project=root)
        assert result.exit_code == 2
        _assert_no_secret(result.output)


def test_the_loaded_config_keeps_no_ciphertext(bad_stacks: dict[Path, str], tmp_path: Path) -> None:
    """A secret outside the blueprint is legal; what the loader hands on has only its shape."""
    bp = preset("dev", "azure")
    path = tmp_path / "Pulumi.ok.yaml"
    path.write_text(_stack(bp, **{"azure-native:subscriptionId": secure(1), "ml-platform:other": {"a": secure(2)}}))
    sf = load_stack_file(path)
    assert sf.config["azure-native:subscriptionId"] == {"secure": "[redacted]"}
    assert sf.config["ml-platform:other"] == {"a": {"secure": "[redacted]"}}
    _assert_no_secret(repr(sf))


# --- provider config secrets: valid stacks that synthesize -------------------------------------

PROVIDER_SECRETS: dict[Cloud, dict[str, Any]] = {
    # The region key stays plain: validation compares it with the blueprint's region.
    "aws": {"aws:profile": secure(11), "aws:assumeRoles": [{"roleArn": secure(12)}]},
    "gcp": {"gcp:project": secure(21), "gcp:credentials": secure(22)},
    "azure": {"azure-native:subscriptionId": secure(31), "azure-native:clientSecret": secure(32)},
}


@pytest.fixture(scope="module")
def secret_config_stacks(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("provider-secrets")
    paths = []
    for cloud in CLOUDS:
        bp = preset("training", cloud, "prod")
        path = folder / f"Pulumi.{cloud}-secret.yaml"
        path.write_text(_stack(bp, **{**PROVIDER_SECRETS[cloud], "ml-platform:dbPassword": secure(40)}))
        paths.append(path)
    return paths


def test_provider_secrets_pass_validation(secret_config_stacks: list[Path]) -> None:
    result = mlbp("validate", *map(str, secret_config_stacks))
    assert result.exit_code == 0, result.output
    _assert_no_secret(result.output)


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--format", "text"),
        ("plan", "--format", "json"),
        ("graph", "--format", "mermaid"),
        ("graph", "--format", "dot"),
        ("cost", "--format", "text"),
        ("cost", "--format", "json"),
        ("cost", "--format", "markdown"),
    ],
    ids=" ".join,
)
def test_azure_subscription_secret_never_printed(secret_config_stacks: list[Path], args: tuple[str, ...]) -> None:
    """`azure-native:subscriptionId: {secure: ...}` passed validate, then plan, graph, cost and
    check printed the whole ciphertext (it became the mocks' subscription id)."""
    azure = next(p for p in secret_config_stacks if p.name.startswith("Pulumi.azure"))
    result = mlbp(*args, str(azure))
    assert result.exit_code == 0, result.output
    _assert_no_secret(result.output)


def test_check_with_provider_secrets_writes_and_prints_none(secret_config_stacks: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "report.sarif"
    result = mlbp("check", "-j", "2", "--format", "sarif", "-o", str(out), *map(str, secret_config_stacks))
    assert result.exit_code in (0, 1), result.output
    _assert_no_secret(result.output, out.read_bytes())
    # Every other format, from the same kind of run, in-process.
    project = find_project(REPO)
    report = run_check(project, secret_config_stacks, CheckOptions(pack_dir=project.policies_dir, jobs=2))
    _assert_no_secret(as_text.render(report, color=True), *(render(report, fmt) for fmt in FORMATS))
