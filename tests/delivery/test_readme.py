"""The README stays true: its CLI reference is the current --help output, and its quick start
holds exactly the two commands CI runs (`.ci/run` extracts and runs them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from blueprint.clidoc import BEGIN, END, reference

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_cli_reference_equals_current_help() -> None:
    start, end = README.index(BEGIN) + len(BEGIN), README.index(END)
    assert README[start:end].strip() == reference().strip(), "run: python -m blueprint.clidoc --write"


def test_reference_does_not_depend_on_what_ran_before() -> None:
    # click caches a command's help option on first use: a command run on its own first (as
    # a test may do) must still render in the reference with the group's -h, --help.
    script = (
        "from click.testing import CliRunner\n"
        "from blueprint.cli import cli\n"
        "from blueprint.clidoc import reference\n"
        "for command in cli.commands.values():\n"
        "    CliRunner().invoke(command, ['--help'])\n"
        "print(reference(), end='')\n"
    )
    fresh = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert fresh.stdout == reference()
    assert "\n  --help" not in fresh.stdout  # every command offers -h too


def test_every_command_is_in_the_reference() -> None:
    section = README[README.index(BEGIN) : README.index(END)]
    commands = set(re.findall(r"^### mlbp (\S+)$", section, flags=re.MULTILINE))
    assert {"new", "validate", "check", "plan", "graph", "schema", "stacks", "catalog"} <= commands


def test_quick_start_has_exactly_the_two_commands_ci_runs() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    extract = re.search(r"awk '(.+?)' README.md", script)
    assert extract is not None
    out = subprocess.run(["awk", extract.group(1), str(ROOT / "README.md")], capture_output=True, text=True, check=True)
    commands = out.stdout.splitlines()
    assert len(commands) == 2
    assert commands[0].endswith("mlbp check --all") or commands[0].endswith("mlbp validate --all")
    assert commands[1].endswith(".venv/bin/pytest")
    assert all(c.startswith("python3 -m venv .venv && .venv/bin/pip install") for c in commands)
