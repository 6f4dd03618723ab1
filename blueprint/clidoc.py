"""The README's CLI reference, generated from the commands' own `--help` so it cannot drift.

    python -m blueprint.clidoc            # print the reference
    python -m blueprint.clidoc --write    # replace it in README.md between the cli markers

A test fails when README.md and the current `--help` output differ."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from blueprint.cli import cli

BEGIN, END = "<!-- cli:begin -->", "<!-- cli:end -->"
WIDTH = 100


def _context(command: click.Command, name: str, parent: click.Context | None = None) -> click.Context:
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    return click.Context(command, info_name=name, parent=parent, **settings)


def _help(command: click.Command, name: str, parent: click.Context | None = None) -> str:
    return command.get_help(_context(command, name, parent))


def reference() -> str:
    root = _context(cli, "mlbp")
    parts = ["```text", "$ mlbp --help", _help(cli, "mlbp"), "```"]
    assert isinstance(cli, click.Group)
    for name in sorted(cli.commands):
        parts += [
            "",
            f"### mlbp {name}",
            "",
            "```text",
            f"$ mlbp {name} --help",
            _help(cli.commands[name], name, root),
            "```",
        ]
    return "\n".join(parts) + "\n"


def replace_in(text: str, ref: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + ref + text[end:]


def main() -> None:
    ref = reference()
    if "--write" in sys.argv[1:]:
        readme = Path(__file__).resolve().parents[1] / "README.md"
        readme.write_text(replace_in(readme.read_text(encoding="utf-8"), ref), encoding="utf-8")
    else:
        sys.stdout.write(ref)


if __name__ == "__main__":
    main()
