"""What Ctrl-C and SIGTERM do to `mlbp`: unwind (stopping workers and packs), one line, 128+N.

Kept free of imports beyond the standard library's smallest, so `mlbp` can install it first."""

from __future__ import annotations

import signal
import sys


def stopped(signum: int, _frame: object) -> None:
    """Unwind through every `with`, so workers and packs are stopped on the way out (a cancelled
    CI job gets SIGTERM), with the shell's 128+N exit code: not 1, which means violations. A
    second signal while unwinding is ignored: the first one's clean-up is under way."""
    for other in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(other) is stopped:
            signal.signal(other, signal.SIG_IGN)
    sys.stderr.write("interrupted\n" if signum == signal.SIGINT else "terminated\n")
    sys.stderr.flush()
    sys.exit(128 + signum)


def install_handlers() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # ignored, as in background jobs: keep it so
            signal.signal(signum, stopped)
