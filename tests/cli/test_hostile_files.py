"""Hostile files, names and processes (issue 17, "Processes and files"): every case ends in one
clear line (exit 2 for bad input), leaves no process behind and replaces no special file.

Leaked processes are found through /proc: every child inherits an environment marker, so a
policy pack or a synthesis worker left running (re-parented to init) is still found."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from blueprint.cli import cli
from blueprint.project import STACK_SOURCE_ENV
from tests.cli.runner import REPO, mlbp, snapshot

LINUX = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
LONG = "a" * 300  # longer than NAME_MAX (255) once it is a file name
ROOT = os.geteuid() == 0


def processes_marked(marker: str) -> list[int]:
    """Pids of live processes whose environment carries `marker` (inherited by every child)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def wait_until_gone(marker: str, seconds: float = 30.0) -> list[int]:
    """Poll (a loaded machine reaps slowly); what is still there after `seconds`."""
    deadline = time.monotonic() + seconds
    while processes_marked(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    return processes_marked(marker)


def run_mlbp(*args: str, marker: str, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`mlbp ARGS` in its own interpreter (as `mlbp` runs: blueprint.__main__), marked."""
    key, value = marker.split("=")
    return subprocess.run(
        [sys.executable, "-m", "blueprint", *args],
        cwd=cwd,
        env={**os.environ, key: value, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.fixture
def marker() -> str:
    return f"MLBP_TEST_RUN={uuid.uuid4()}"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A valid stack file outside the project (and outside its git repository)."""
    path = tmp_path / "elsewhere" / "Pulumi.out-dev.yaml"
    path.parent.mkdir()
    shutil.copy(REPO / "stacks" / "Pulumi.aws-dev.yaml", path)
    return path


# --- no process left behind -------------------------------------------------------------------


@LINUX
@pytest.mark.parametrize(
    "case",
    ["check --compare, file outside the repo", "cost --compare, file outside the repo", "check -o /dev/full", "plan"],
)
def test_no_failure_leaves_a_pack_or_worker_running(case: str, outside: Path, marker: str) -> None:
    """The pack used to outlive `check FILE --compare HEAD` (parent 1) after a ValueError."""
    args = {
        "check --compare, file outside the repo": ("check", str(outside), "--compare", "HEAD"),
        "cost --compare, file outside the repo": ("cost", str(outside), "--compare", "HEAD"),
        "check -o /dev/full": ("check", "aws-dev", "-o", "/dev/full"),
        "plan": ("plan", LONG),  # the worker starts before the name is looked at
    }[case]
    if case == "check -o /dev/full" and not Path("/dev/full").is_char_device():
        pytest.skip("no /dev/full")
    done = run_mlbp("--project-dir", str(REPO), *args, marker=marker)
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    if "outside" in case:
        assert "outside the git repository" in line
        assert line.endswith("--compare reads the stack file's history from it")
    assert wait_until_gone(marker) == []


# --- -o never replaces a special file ---------------------------------------------------------


def _kind(path: Path) -> str:
    mode = path.lstat().st_mode
    return "link" if stat.S_ISLNK(mode) else "chr" if stat.S_ISCHR(mode) else "fifo" if stat.S_ISFIFO(mode) else "file"


def test_schema_o_writes_through_a_character_device() -> None:
    result = mlbp("schema", "-o", "/dev/null")
    assert (result.exit_code, result.stderr) == (0, "wrote /dev/null\n")
    assert Path("/dev/null").is_char_device()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_schema_o_to_a_full_device_is_one_line_and_keeps_the_device() -> None:
    """As root, `-o /dev/full` used to replace the device with a regular file."""
    result = mlbp("schema", "-o", "/dev/full")
    assert result.exit_code == 2
    assert one_line(result.stderr) == "/dev/full: cannot write: No space left on device"
    assert Path("/dev/full").is_char_device()


def test_schema_o_writes_through_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = mlbp("schema", "-o", str(fifo))
    reader.join(timeout=60)
    assert result.exit_code == 0
    assert got and got[0].startswith(b"{")
    assert _kind(fifo) == "fifo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file left


def test_schema_o_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = mlbp("schema", "-o", str(link))
    assert result.exit_code == 0
    assert _kind(link) == "link"
    assert os.readlink(link) == str(target)
    assert target.read_text().startswith("{")


def test_schema_o_through_a_symlink_to_a_device_keeps_both(tmp_path: Path) -> None:
    link = tmp_path / "null.json"
    link.symlink_to("/dev/null")
    assert mlbp("schema", "-o", str(link)).exit_code == 0
    assert _kind(link) == "link"
    assert Path("/dev/null").is_char_device()


def test_new_refuses_to_replace_a_fifo_even_with_force(project: Path) -> None:
    fifo = project / "stacks" / "Pulumi.lab.yaml"
    os.mkfifo(fifo)
    result = mlbp("new", "lab", "--cloud", "aws", "--region", "eu-west-1", "--force", project=project)
    assert result.exit_code == 2
    assert one_line(result.stderr) == "stacks/Pulumi.lab.yaml: cannot write: not a regular file; remove it first"
    assert _kind(fifo) == "fifo"


@pytest.mark.parametrize("command", ["check", "schema"])
@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("", "--output: empty file name"),
        ("file/x.json", "{tmp}/file/x.json: cannot write: {tmp}/file is not a folder"),
        (LONG, "{tmp}/" + LONG + ": cannot write: File name too long"),
        ("loop", "{tmp}/loop: cannot write: Too many levels of symbolic links"),
    ],
)
def test_o_that_cannot_be_written_is_one_line(command: str, where: str, says: str, tmp_path: Path) -> None:
    """`check -o` used to end in a traceback for these; `schema -o` did not: one writer now. The
    check fails before it runs anything."""
    (tmp_path / "file").write_text("x")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    out = str(tmp_path / where) if where else ""
    args = ("check", "aws-dev", "-o", out) if command == "check" else ("schema", "-o", out)
    before = sorted(os.listdir(tmp_path))
    result = mlbp(*args)
    assert result.exit_code == 2
    assert one_line(result.stderr) == says.format(tmp=tmp_path)
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.skipif(ROOT, reason="root writes anywhere")
def test_o_without_permission_is_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = mlbp("schema", "-o", str(locked / "x.json"))
    assert result.exit_code == 2
    assert one_line(result.stderr) == f"{locked / 'x.json'}: cannot write: Permission denied"


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask_022")
def test_files_written_get_the_umask_mode_and_keep_their_own(project: Path, tmp_path: Path) -> None:
    """They used to be 0600 (mkstemp's), unlike anything a shell redirection writes."""
    assert mlbp("new", "lab", "--cloud", "aws", "--region", "eu-west-1", project=project).exit_code == 0
    assert stat.S_IMODE((project / "stacks" / "Pulumi.lab.yaml").stat().st_mode) == 0o644
    out = tmp_path / "schema.json"
    assert mlbp("schema", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    out.chmod(0o600)
    assert mlbp("schema", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


# --- stack files that are not regular files ---------------------------------------------------


@pytest.fixture
def special_stacks(project: Path) -> Path:
    stacks = project / "stacks"
    os.mkfifo(stacks / "Pulumi.fifo.yaml")
    (stacks / "Pulumi.random.yaml").symlink_to("/dev/urandom")
    (stacks / "Pulumi.zero.yaml").symlink_to("/dev/zero")
    (stacks / "Pulumi.loop.yaml").symlink_to(stacks / "Pulumi.loop.yaml")
    (stacks / "Pulumi.folder.yaml").mkdir()
    (stacks / "Pulumi.big.yaml").write_bytes(b"#" * (1024 * 1024 + 1))
    return project


SPECIAL_LINES = [
    "stacks/Pulumi.big.yaml: file is larger than 1024 KiB; is it a stack file?",
    "stacks/Pulumi.fifo.yaml: not a regular file; a stack file is a YAML file",
    "stacks/Pulumi.folder.yaml: cannot read: Is a directory",
    "stacks/Pulumi.loop.yaml: cannot read: Too many levels of symbolic links",
    "stacks/Pulumi.random.yaml: not a regular file; a stack file is a YAML file",
    "stacks/Pulumi.zero.yaml: not a regular file; a stack file is a YAML file",
]


@LINUX
@pytest.mark.parametrize("command", ["stacks", "validate --all"])
def test_special_stack_files_are_refused_at_once_without_hanging(command: str, special_stacks: Path) -> None:
    """A FIFO or /dev/urandom used to hang `stacks` and `validate`, /dev/zero to eat memory, a
    symlink loop to end in a traceback. In its own process, with a timeout and 2 GiB of address
    space: a hang fails the test instead of hanging it."""
    key, value = f"MLBP_TEST_RUN={uuid.uuid4()}".split("=")
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED, "--project-dir", str(special_stacks), *command.split()],
        env={**os.environ, key: value, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert sorted(done.stderr.splitlines()) == SPECIAL_LINES


_LIMITED = (
    "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
    "from blueprint.__main__ import main; main()"
)


def test_each_special_file_given_by_path_is_one_line(special_stacks: Path) -> None:
    paths = [str(p) for p in sorted((special_stacks / "stacks").iterdir()) if "fifo" not in p.name]
    result = mlbp("validate", *paths, project=special_stacks)
    assert result.exit_code == 2
    assert sorted(result.stderr.splitlines()) == [line for line in SPECIAL_LINES if "fifo" not in line]


# --- long names -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["new", "validate", "check", "plan", "cost", "graph"])
def test_a_300_character_stack_name_is_one_line(command: str, project: Path) -> None:
    """Each used to end in `OSError: File name too long`."""
    extra = ("--cloud", "aws", "--region", "eu-west-1") if command == "new" else ()
    before = sorted(os.listdir(project / "stacks"))
    result = mlbp(command, LONG, *extra, project=project)
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith(f"{LONG[:100]}... (300 characters): ") or line.startswith(
        f"stack name '{LONG[:100]}... (300 characters)': Pulumi allows"
    )
    assert sorted(os.listdir(project / "stacks")) == before


def test_a_policy_pack_path_too_long_is_one_line() -> None:
    result = mlbp("check", "aws-dev", "--policy-pack", f"/tmp/{LONG}")
    assert result.exit_code == 2
    assert one_line(result.stderr) == f"/tmp/{LONG}: --policy-pack: cannot read: File name too long"


def test_a_policy_pack_folder_without_a_pack_is_one_line(tmp_path: Path) -> None:
    result = mlbp("check", "aws-dev", "--policy-pack", str(tmp_path))
    assert result.exit_code == 2
    assert one_line(result.stderr) == (
        f"{tmp_path}: --policy-pack: no PulumiPolicy.yaml in this folder (not a CrossGuard policy pack)"
    )


# --- --project-dir ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "says"),
    [
        ("empty", "{d}: --project-dir: no Pulumi.yaml in this folder (not a template checkout)"),
        ("missing", "{d}: --project-dir: no such folder"),
    ],
)
def test_project_dir_is_that_folder_not_one_above(folder: str, says: str, project: Path) -> None:
    """`new` with an empty or missing --project-dir used to write into the parent project's stacks/."""
    given = project / "stacks" / folder
    if folder == "empty":
        given.mkdir()
    before = snapshot(project)
    result = mlbp("new", "lab", "--cloud", "aws", "--region", "eu-west-1", project=given)
    assert result.exit_code == 2
    assert one_line(result.stderr) == says.format(d=given)
    assert snapshot(project) == before


def test_an_empty_project_dir_is_one_line() -> None:
    raw = CliRunner().invoke(cli, ["--project-dir", "", "validate", "aws-dev"])
    assert (raw.exit_code, raw.stderr) == (2, "--project-dir: empty folder name\n")


def test_commands_without_a_project_do_not_need_one(tmp_path: Path) -> None:
    assert mlbp("schema", project=tmp_path / "missing").exit_code == 0


# --- stack names the clouds refuse ------------------------------------------------------------


def test_new_refuses_a_name_whose_eks_cluster_name_aws_refuses(project: Path) -> None:
    """EKS cluster names: "can contain only alphanumeric characters (case-sensitive), hyphens, and
    underscores ... can't be longer than 100 characters", CreateCluster `name`,
    https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html"""
    result = mlbp("new", "aws.dev", "--cloud", "aws", "--region", "eu-west-1", project=project)
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith(
        "stack name 'aws.dev' makes the EKS cluster name 'ml-platform-aws.dev', which aws refuses: "
    )
    assert list((project / "stacks").iterdir()) == []
    # The same name is fine where the cloud's names allow it (GKE's are shortened and cleaned).
    assert mlbp("new", "aws.dev", "--cloud", "gcp", "--region", "europe-west4", project=project).exit_code == 0


def test_validate_refuses_a_hand_made_stack_file_with_such_a_name(project: Path) -> None:
    shutil.copy(REPO / "stacks" / "Pulumi.aws-dev.yaml", project / "stacks" / "Pulumi.aws.dev.yaml")
    result = mlbp("validate", "aws.dev", project=project)
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith(
        "stacks/Pulumi.aws.dev.yaml: stack name 'aws.dev' makes the EKS cluster name"
    )


def test_new_refuses_a_name_whose_aks_cluster_name_ends_in_a_dash(project: Path) -> None:
    """AKS cluster names: 1-63 characters, "Alphanumerics, underscores, and hyphens. Start and end
    with alphanumeric." https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules
    (Microsoft.ContainerService managedClusters)"""
    result = mlbp("new", "dev-", "--cloud", "azure", "--region", "westeurope", project=project)
    assert result.exit_code == 2
    assert "makes the AKS cluster name 'ml-platform-dev-'" in one_line(result.stderr)


# --- program errors name the file that was read -----------------------------------------------


def test_a_program_error_names_the_stack_file_where_it_is(tmp_path: Path) -> None:
    """The program used to say stacks/Pulumi.<name>.yaml for a file given by path elsewhere."""
    path = tmp_path / "Pulumi.az-lab.yaml"
    text = (REPO / "stacks" / "Pulumi.azure-dev.yaml").read_text()
    assert "- name: dev-gpu" in text
    path.write_text(text.replace("- name: dev-gpu", "- name: system", 1))  # AKS's system pool name
    result = mlbp("plan", str(path))
    assert result.exit_code == 2
    assert f"RunError: {path}: gpuPools[0].name 'system' becomes AKS pool name 'system'" in one_line(result.stderr)
    assert "stacks/Pulumi.az-lab.yaml" not in result.stderr
    assert STACK_SOURCE_ENV not in os.environ


# --- Ctrl-C -----------------------------------------------------------------------------------


def _maps(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def _workers(marker: str) -> list[int]:
    """Synthesis workers (not packs) carrying `marker`, oldest first."""
    found = []
    for pid in processes_marked(marker):
        try:
            if b"blueprint.engine.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return sorted(found)


def _importing(pid: int) -> bool:
    """Python code of ours is being imported: PyYAML's C extension is loaded (blueprint.cli and
    blueprint.engine.workers import yaml), and Python's own SIGINT handler is long in place."""
    return "_yaml" in _maps(pid)


@LINUX
@pytest.mark.parametrize(
    "moment", ["while the CLI imports", "when the first worker starts", "when a late worker starts"]
)
def test_ctrl_c_at_any_moment_is_one_line_and_no_traceback(moment: str, marker: str) -> None:
    """Ctrl-C in the first fraction of a second, or while a worker was still importing, used to
    print a KeyboardInterrupt traceback. The interrupt goes to the whole process group, as a
    terminal sends it; each moment is waited for, not guessed with a sleep."""
    key, value = marker.split("=")
    stacks = ["aws-dev", "gcp-dev"] if moment == "when a late worker starts" else ["aws-dev"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "blueprint", "check", *stacks, "-j", "1"],
        cwd=REPO,
        env={**os.environ, key: value, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a shell job: the signal below reaches all of it
    )
    seen: list[int] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if moment == "while the CLI imports" and _importing(proc.pid):
            break
        seen += [pid for pid in _workers(marker) if pid not in seen]
        if moment == "when the first worker starts" and seen and _importing(seen[0]):
            break
        if moment == "when a late worker starts" and len(seen) >= 2 and _importing(seen[-1]):
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the check should still be running"
    os.killpg(proc.pid, signal.SIGINT)
    # Generous: a pack that was starting when the signal came is stopped once it is up, and on a
    # loaded machine a pack takes long to start.
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 130, err
    assert err.endswith("interrupted\n")
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    assert wait_until_gone(marker, seconds=120) == []
