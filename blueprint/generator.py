"""`mlbp new`: render a stack file from a preset and write it atomically."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import yaml

from blueprint.catalog import Cloud
from blueprint.loader import CONFIG_KEY, parse_blueprint
from blueprint.semantics import PROVIDER_REGION_KEY


def render_stack(blueprint: dict[str, Any], *, schema_ref: str) -> str:
    """The stack file text: a schema comment for editors, provider config, the blueprint."""
    cloud: Cloud = blueprint["cloud"]
    config: dict[str, Any] = {PROVIDER_REGION_KEY[cloud]: blueprint["region"]}
    if cloud == "gcp":
        config["gcp:project"] = blueprint["gcp"]["project"]
        # With `gcloud auth application-default login` (user credentials) some Google APIs
        # refuse calls that name no quota project: bill them to the stack's own project.
        config["gcp:userProjectOverride"] = True
        config["gcp:billingProject"] = blueprint["gcp"]["project"]
    if cloud == "azure":
        config["azure-native:subscriptionId"] = blueprint["azure"]["subscriptionId"]
    config[CONFIG_KEY] = blueprint
    body = yaml.safe_dump({"config": config}, sort_keys=False, width=100, default_flow_style=False)
    return f"# yaml-language-server: $schema={schema_ref}\n{body}"


class WriteError(Exception):
    """A file could not be written; the message is one line, `PATH: cannot write: reason`."""


def write_atomically(path: Path, text: str, *, overwrite: bool) -> None:
    """Write via a temporary file in the same folder and rename: readers never see half a
    file, and an interrupted run leaves the old file (or none) in place. A new file gets the
    mode the umask allows (as a shell redirection would), a replaced one keeps its mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:32]}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails with FileExistsError instead of clobbering a racing writer
            os.unlink(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_file(path: Path, text: str, *, overwrite: bool = True, devices: bool = False, display: str = "") -> None:
    """The one writer of `mlbp new` and every `-o FILE`: WriteError (one line) for anything
    that cannot be written, never a traceback, and never a special file replaced.

    A regular file (or a new one) is written atomically; through a symlink, its target is (the
    link stays). With `devices`, a character device or a FIFO (`/dev/stdout`, `>(cat)`,
    `/dev/null`) is written through, as a shell redirection does; without, it is refused.
    Folders, sockets and block devices are always refused."""
    label = one_line(display or str(path))
    found = _existing(path, label, devices=devices)
    try:
        if found is not None and not stat.S_ISREG(found.st_mode):
            _write_through(path, text)  # a FIFO or character device, as _existing allowed
            return
        if found is not None and not overwrite:
            raise WriteError(f"{label}: already exists; use --force to overwrite")
        # A symlink (also one to a file not there yet) is kept: its target is written.
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        write_atomically(target, text, overwrite=overwrite)
    except FileExistsError:
        if not overwrite and os.path.lexists(path):  # created by someone else meanwhile
            raise WriteError(f"{label}: already exists; use --force to overwrite") from None
        raise WriteError(f"{label}: cannot write: {_parent_problem(path)}") from None
    except OSError as exc:
        raise WriteError(f"{label}: cannot write: {exc.strerror or exc}") from None


def check_writable(path: Path, *, devices: bool = False, display: str = "") -> None:
    """WriteError now for a destination `write_file` would refuse later (a folder, a socket, a
    name too long, a parent that is a file), so a long run does not end in it."""
    _existing(path, one_line(display or str(path)), devices=devices)


def _existing(path: Path, label: str, *, devices: bool) -> os.stat_result | None:
    """What is at `path` (following symlinks: a link to /dev/null is a device), None if
    nothing; WriteError if it is nothing `write_file` may write."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise WriteError(f"{label}: cannot write: {_parent_problem(path)}") from None
        raise WriteError(f"{label}: cannot write: {exc.strerror or exc}") from None
    mode = found.st_mode
    if stat.S_ISDIR(mode):
        raise WriteError(f"{label}: cannot write: is a folder")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        if not devices:
            raise WriteError(f"{label}: cannot write: not a regular file; remove it first")
    elif not stat.S_ISREG(mode):
        raise WriteError(f"{label}: cannot write: not a regular file, character device or FIFO")
    return found


def one_line(text: str) -> str:
    """`text` with line breaks and other unprintable characters escaped: a file name may hold them."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _write_through(path: Path, text: str) -> None:
    # No O_CREAT, no O_TRUNC: the device or FIFO is there; never replaced, never created.
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()


def _parent_problem(path: Path) -> str:
    """mkdir's "File exists" (or "Not a directory") for a parent that is a file says less than this."""
    for parent in path.parents:
        if os.path.lexists(parent) and not parent.is_dir():
            return f"{one_line(str(parent))} is not a folder"
    return os.strerror(errno.ENOTDIR)


def _new_file_mode() -> int:
    """0o666 less the umask, the mode `open()` would give a new file (mkstemp's is 0o600)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return 0o666 & ~mask


def validate_generated(blueprint: dict[str, Any], source: str) -> None:
    """Generated blueprints go through the same loader as hand-written ones."""
    parse_blueprint(blueprint, source)
