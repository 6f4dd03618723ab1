"""`mlbp` (the console script) and `python -m blueprint`.

Ctrl-C and SIGTERM get their handlers here, before the CLI and its libraries are imported:
an interrupt in the first fraction of a second ends `mlbp` like any later one (exit 128+N, one
line, no traceback). Only the interpreter's own start-up comes before this."""

from __future__ import annotations

from blueprint.signals import install_handlers


def main() -> None:
    install_handlers()
    from blueprint.cli import main as run  # noqa: PLC0415 (after the handlers, on purpose)

    run()


if __name__ == "__main__":
    main()
