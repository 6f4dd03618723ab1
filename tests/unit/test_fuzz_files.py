"""Property tests for the files and names the CLI is handed: whatever sits at a path (a regular
file of any size, a FIFO, a device, a folder, a symlink loop, nothing) and however long or odd
its name, reading it and writing to it end in the result or in one line of our own error; a
special file is never replaced; a stack name the checks accept is one every cloud accepts."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blueprint.errors import BlueprintError
from blueprint.generator import WriteError, one_line, write_file
from blueprint.loader import MAX_FILE_BYTES, load_stack_file
from blueprint.project import Project
from blueprint.stacknames import PULUMI_STACK_NAME, stack_name_problems
from components.aws import naming as aws_naming
from components.azure import naming as azure_naming
from components.gcp import naming as gcp_naming

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX special files")

KINDS = ("missing", "regular", "empty", "oversize", "fifo", "folder", "loop", "dangling", "/dev/null", "/dev/zero")
file_names = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=40
    ),
    st.integers(min_value=200, max_value=400).map(lambda n: "n" * n),  # around NAME_MAX (255)
)


def _make(folder: Path, name: str, kind: str, data: bytes = b"") -> Path:
    """Put a `kind` at folder/name (nothing for "missing"); a name the system refuses is fine."""
    path = folder / name
    try:
        if kind == "regular":
            path.write_bytes(data)
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "oversize":
            path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            path.mkdir()
        elif kind == "loop":
            path.symlink_to(path)
        elif kind == "dangling":
            path.symlink_to(folder / "not-there")
        elif kind.startswith("/dev/"):
            path.symlink_to(kind)
    except OSError:
        pass  # a name too long, or "." / "..": the path simply holds nothing we made
    return path


def _kind_of(path: Path) -> str:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "nothing"
    return stat.filemode(mode)[0]  # '-', 'd', 'l', 'p', 'c'


@FUZZ
@given(name=file_names, kind=st.sampled_from(KINDS), data=st.binary(max_size=64))
def test_reading_any_file_is_a_blueprint_or_one_line_each(name: str, kind: str, data: bytes) -> None:
    """FIFOs do not block, /dev/zero is read up to the limit only, loops and long names are one
    line: the loader's contract holds whatever the path holds."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _make(Path(tmp), name, kind, data)
        problems: tuple[str, ...] = ()
        try:
            load_stack_file(path, "src")
        except BlueprintError as exc:
            problems = exc.problems or ("(no problem given)",)
        assert all(line.startswith("src: ") and "\n" not in line for line in problems)


@FUZZ
@given(
    name=file_names,
    kind=st.sampled_from(KINDS),
    devices=st.booleans(),
    overwrite=st.booleans(),
    text=st.text(max_size=50),
)
def test_writing_anywhere_writes_or_is_one_line_and_never_replaces_a_special_file(
    name: str, kind: str, devices: bool, overwrite: bool, text: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _make(Path(tmp), name, kind)
        before = _kind_of(path)
        reader = None
        if kind == "fifo" and before == "p":  # a reader waiting, so write-through does not block
            reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        error = ""
        try:
            write_file(path, text, overwrite=overwrite, devices=devices)
        except WriteError as exc:
            error = str(exc)
        got = os.read(reader, 1 << 16).decode() if reader is not None and not error else None
        if reader is not None:
            os.close(reader)
        if error:
            assert "\n" not in error
            assert error.startswith(f"{one_line(str(path))}: ")
        elif got is not None:
            assert got == text
        elif kind not in ("/dev/null", "/dev/zero"):
            assert Path(os.path.realpath(path)).read_bytes().decode("utf-8") == text
        if before not in ("nothing", "-"):
            assert _kind_of(path) == before  # a FIFO, a folder, a symlink stays what it was
        assert Path("/dev/null").is_char_device()
        assert Path("/dev/zero").is_char_device()
        leftovers = [p for p in os.listdir(tmp) if p.endswith(".tmp")]
        assert leftovers == []


@FUZZ
@given(arg=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_stack_argument_resolves_or_is_one_line_each(arg: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(root=Path(tmp))
        (project.stacks_dir).mkdir()
        paths: list[Path] = []
        problems: tuple[str, ...] = ()
        try:
            paths = project.resolve_stacks((arg,), False)
        except BlueprintError as exc:
            problems = exc.problems
        assert len(paths) + len(problems) == 1
        assert all(len(line) < 600 and "\n" not in line for line in problems)
        for path in project.all_stacks():
            project.display(path)


# --- stack names ------------------------------------------------------------------------------
# Written here from the clouds' documents, independently of blueprint/stacknames.py.

# "The name can contain only alphanumeric characters (case-sensitive), hyphens, and underscores.
# It must start with an alphanumeric character and can't be longer than 100 characters."
# https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html
EKS_CLUSTER = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,99}")
# "Name must start with a lowercase letter followed by up to 40 lowercase letters, numbers, or
# hyphens, and cannot end with a hyphen" (GKE console, quoted in
# https://gitlab.com/gitlab-org/gitlab/-/work_items/22655); our naming keeps to 40 in all.
GKE_CLUSTER = re.compile(r"[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?")
# Microsoft.Resources/resourcegroups: 1-90, "Underscores, hyphens, periods, parentheses, and
# letters or digits", can't end with a period; AKS managedClusters: 1-63, "Alphanumerics,
# underscores, and hyphens. Start and end with alphanumeric."
# https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules
AZURE_GROUP = re.compile(r"[-\w.()]{0,89}[-\w()]")
AKS_CLUSTER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?")
# AKS: "The length of the node resource group name is too long. The maximum length is 80"
# https://github.com/Azure-Terraform/terraform-azurerm-kubernetes/issues/33
NODE_GROUP_MAX = 80

stack_names = st.one_of(
    st.from_regex(r"[A-Za-z0-9_.-]{1,100}", fullmatch=True),
    st.text(min_size=1, max_size=120),
)


@FUZZ
@given(stack=stack_names, project=st.sampled_from(["ml-platform", "p", "a-much-longer-project-name"]))
def test_a_stack_name_we_accept_makes_names_every_cloud_accepts(stack: str, project: str) -> None:
    """Accepted for a cloud => every name the platform derives from it meets that cloud's rule
    (and Pulumi's: https://github.com/pulumi/pulumi pkg/backend/httpstate/backend.go,
    `^[A-Za-z0-9_.-]{1,100}$`)."""
    for cloud in ("aws", "gcp", "azure"):
        problems = stack_name_problems(stack, cloud, project=project)
        assert all("\n" not in line for line in problems)
        if problems:
            continue
        assert PULUMI_STACK_NAME.fullmatch(stack)
        if cloud == "aws":
            assert EKS_CLUSTER.fullmatch(aws_naming.cluster_name(project, stack))
            assert aws_naming.cluster_name(project, stack) == f"{project}-{stack}"  # not cut short
        elif cloud == "gcp":
            assert GKE_CLUSTER.fullmatch(gcp_naming.cluster_name(project, stack))
        else:
            group = azure_naming.resource_group_name(stack)
            assert AZURE_GROUP.fullmatch(group)
            node_group = azure_naming.node_resource_group_name(group)
            assert len(node_group) <= NODE_GROUP_MAX
            assert node_group == f"{group}-aks-nodes"  # not cut short
            assert AKS_CLUSTER.fullmatch(azure_naming.cluster_name(project, stack))


@pytest.mark.parametrize(
    ("stack", "cloud", "refused"),
    [
        ("aws.dev", "aws", True),
        ("a" * 88, "aws", False),  # ml-platform- + 88 = 100
        ("a" * 89, "aws", True),
        ("aws.dev", "gcp", False),
        ("a" * 100, "gcp", False),  # shortened with a hash
        ("a" * 51, "azure", False),  # ml-platform- + 51 = 63, the AKS limit
        ("a" * 52, "azure", True),
        ("dev-", "azure", True),
        ("a" * 101, "gcp", True),  # Pulumi's own limit
    ],
)
def test_stack_name_limits(stack: str, cloud: str, refused: bool) -> None:
    """The edges of the rules cited in test_a_stack_name_we_accept_makes_names_every_cloud_accepts."""
    assert bool(stack_name_problems(stack, cloud)) is refused
