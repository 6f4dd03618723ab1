"""A synthesis worker process (see blueprint.engine.workers), given the file descriptor FD.

Imports the Pulumi runtime first, while the parent is still validating stacks; then reads one
pickled Job from stdin, runs the program under mocks and writes each registration to FD as it
happens, then ("done", None) or ("error", message)."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
from pathlib import Path
from typing import IO, Any

from blueprint.engine.synth import SynthError, synthesize
from blueprint.engine.workers import Job
from blueprint.project import STACK_SOURCE_ENV


def main(argv: list[str]) -> int:
    results: IO[bytes] = os.fdopen(int(argv[1]), "wb")

    def send(kind: str, payload: Any) -> None:
        pickle.dump((kind, payload), results, protocol=pickle.HIGHEST_PROTOCOL)
        results.flush()

    try:
        job = pickle.load(sys.stdin.buffer)  # noqa: S301 (from the parent that started us, over a pipe)
    except EOFError:  # started ahead and not needed after all, or the parent is gone
        return 0
    if not isinstance(job, Job):
        send("error", f"the synthesis worker got {type(job).__name__}, not a Job")
        return 2
    root = Path(job.root)
    if job.source:  # the program names the stack file in its errors: name the one we read
        os.environ[STACK_SOURCE_ENV] = job.source
    try:
        synthesize(
            root / "__main__.py",
            project=job.project,
            stack=job.stack,
            config=job.config,
            on_record=lambda record: send("record", record),
        )
    except SynthError as exc:
        send("error", str(exc))
        return 1
    except Exception as exc:  # anything else is still the stack's failure, reported as such
        send("error", f"{job.stack}: synthesis failed: {type(exc).__name__}: {exc}")
        return 1
    send("done", None)
    return 0


def run(argv: list[str]) -> None:
    """Exit without the interpreter's teardown (stopping the program's gRPC servers, freeing
    every object): the results are sent, and tearing down costs a loaded CPU ~0.3 s.

    Ctrl-C reaches the whole process group: the parent decides, and kills us if it must. A
    parent that is gone leaves a broken pipe: nobody is left to tell, so exit quietly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = main(argv)
    except BrokenPipeError:
        code = 1
    with contextlib.suppress(OSError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run(sys.argv)
