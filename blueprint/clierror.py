"""The CLI's bad-input error, shared by `mlbp` and `mlbp cost` (which is also a command of its own)."""

from __future__ import annotations

import click

EXIT_INPUT = 2


class InputError(click.ClickException):
    """Bad input: every problem on its own line, exit code 2, no traceback."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: tuple[str, ...] | list[str]) -> None:
        super().__init__("\n".join(problems))

    def show(self, file: object = None) -> None:
        click.echo(self.message, err=True)
