"""Run `mlbp` in-process and check what every invocation must satisfy."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner, Result

from blueprint.cli import cli

REPO = Path(__file__).resolve().parents[2]


def mlbp(*args: str, project: Path = REPO) -> Result:
    """`mlbp --project-dir PROJECT ARGS...`; never a traceback, only clean exits."""
    result = CliRunner().invoke(cli, ["--project-dir", str(project), *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder below root, hidden ones included."""
    out: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            out[os.path.relpath(os.path.join(folder, d), root) + "/"] = None
        for f in files:
            path = Path(folder, f)
            out[str(path.relative_to(root))] = path.read_bytes()
    return out
