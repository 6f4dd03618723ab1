"""Synthesis workers: one fresh Python process per stack (the Pulumi runtime is global to a
process), started before they are needed and streaming each resource back as the program
registers it, so the policy pack can analyze a stack while it is still being synthesized.

A worker is `blueprint.engine.worker` in a fresh interpreter with our sys.path. It imports the
Pulumi runtime while the parent is still validating stack files, then reads one pickled `Job`
from stdin and writes pickled messages to the file descriptor named on its command line:
`("record", ResourceRecord)` per registration, then `("done", None)` or `("error", message)`.
The program's own output goes to our stderr, never into a report on stdout.

This module is the parent's side and imports nothing of the Pulumi SDK.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from blueprint.engine.model import ResourceGraph, ResourceRecord


class SynthError(Exception):
    """The program failed under mocks, or its worker did; the message says where."""


@dataclass(frozen=True)
class Job:
    """What a worker synthesizes: one stack of the program in `root`."""

    root: str
    project: str
    stack: str
    config: Mapping[str, Any]
    source: str = ""  # the stack file as messages name it (blueprint.project.stack_source)


def project_name_of(root: Path) -> str:
    doc = yaml.safe_load((root / "Pulumi.yaml").read_text(encoding="utf-8"))
    return str(doc["name"])


_DONE = object()
# Short-lived processes that build many long-lived objects (provider SDK classes, then every
# registration): at the default gen-0 threshold of 700 the collector rescans them thousands of
# times, a quarter of a worker's time. Measured: +10 MB at 2,000 resources.
GC_THRESHOLDS = (100_000, 50, 100)
# The worker gets our sys.path, as multiprocessing's spawn would, so it runs this very
# `blueprint` whatever the current folder holds; and the thresholds before its first import.
_BOOT = (
    "import gc, sys; gc.set_threshold(*{gc!r}); sys.path[:] = {path!r}; "
    "from blueprint.engine.worker import run; run(sys.argv)"
)


class Synthesis:
    """One stack's synthesis in its worker. `records()` yields resources as they are
    registered; `graph()` waits for the whole stack. Both raise SynthError if it fails."""

    def __init__(self, stack: str, project: str, on_finish: Callable[[], None]) -> None:
        self.stack = stack
        self.project = project
        self._messages: queue.Queue[Any] = queue.Queue()
        self._records: list[ResourceRecord] = []
        self._failure: SynthError | None = None
        self._finished = False
        self._on_finish = on_finish
        self._worker: _Worker | None = None

    def records(self, deadline: float | None = None) -> Iterator[ResourceRecord]:
        """Every record, in registration order; `deadline` is a time.monotonic() value."""
        yield from list(self._records)
        while not self._finished:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                message = self._messages.get(timeout=timeout)
            except queue.Empty:
                self.cancel()
                raise SynthError(f"{self.stack}: synthesis did not finish within the deadline") from None
            if message is _DONE:
                self._finished = True
            elif isinstance(message, SynthError):
                self._finished = True
                self._failure = message
            else:
                self._records.append(message)
                yield message
        if self._failure is not None:
            raise self._failure

    def graph(self, deadline: float | None = None) -> ResourceGraph:
        for _ in self.records(deadline):
            pass
        return ResourceGraph(project=self.project, stack=self.stack, resources=tuple(self._records))

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.kill()

    # -- fed by the worker's reader thread ---------------------------------------------
    def _deliver(self, message: Any) -> None:
        self._messages.put(message)

    def _attach(self, worker: _Worker) -> None:
        self._worker = worker


class _Worker:
    """One worker process, waiting for its job from the moment it starts."""

    def __init__(self) -> None:
        read_fd, write_fd = os.pipe()
        env = {**os.environ, "GRPC_VERBOSITY": os.environ.get("GRPC_VERBOSITY", "NONE")}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT.format(gc=GC_THRESHOLDS, path=sys.path), str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=sys.stderr.fileno() if _has_fileno(sys.stderr) else subprocess.DEVNULL,
            pass_fds=(write_fd,),
            env=env,
            # Its own process group: Ctrl-C in a terminal reaches the whole foreground group, and
            # a worker still importing would print a KeyboardInterrupt traceback. The parent
            # decides and kills it; a parent that is gone leaves it EOF or a broken pipe.
            start_new_session=True,
        )
        os.close(write_fd)
        self._results: IO[bytes] = os.fdopen(read_fd, "rb")

    def run(self, job: Job, synthesis: Synthesis) -> None:
        synthesis._attach(self)
        assert self.proc.stdin is not None
        try:
            pickle.dump(job, self.proc.stdin)
            self.proc.stdin.close()
        except OSError:
            pass  # it died before reading its job: the reader reports how it ended
        threading.Thread(target=self._read, args=(synthesis,), daemon=True).start()

    def _read(self, synthesis: Synthesis) -> None:
        outcome: Any = None
        try:
            while True:
                # Our own child over a private pipe: nothing untrusted is unpickled.
                kind, payload = pickle.load(self._results)  # noqa: S301
                if kind == "record":
                    synthesis._deliver(payload)
                    continue
                outcome = _DONE if kind == "done" else SynthError(str(payload))
                break
        except (EOFError, OSError, pickle.UnpicklingError):
            code = self.proc.wait()
            reason = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            outcome = SynthError(f"{synthesis.stack}: the synthesis worker {reason} before it finished")
        finally:
            self._results.close()
        synthesis._deliver(outcome)  # before the worker has exited: its verdict is complete
        self.proc.wait()
        synthesis._on_finish()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _has_fileno(stream: Any) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


class SynthesisPool:
    """At most `jobs` workers at a time, one stack each. The first ones start at once (before
    any job is known) so their start-up overlaps the caller's; `expected` caps how many are
    started ahead. Use as a context manager: leaving it kills whatever still runs."""

    def __init__(self, root: Path, *, jobs: int, expected: int) -> None:
        self.root = root
        self._jobs = max(1, jobs)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._pending: list[tuple[Job, Synthesis]] = []
        self._all: list[_Worker] = []
        self._running = 0
        self._project: str | None = None
        self._closed = False
        for _ in range(min(self._jobs, max(0, expected))):
            self._idle.append(self._start())

    def __enter__(self) -> SynthesisPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def submit(self, stack: str, config: Mapping[str, Any], source: str = "") -> Synthesis:
        """Synthesize `stack` with `config`; `source`: its stack file as messages should name it."""
        if self._project is None:
            self._project = project_name_of(self.root)
        synthesis = Synthesis(stack, self._project, self._finished)
        job = Job(str(self.root), self._project, stack, dict(config), source)
        with self._lock:
            if self._closed:
                synthesis._deliver(SynthError(f"{stack}: synthesis cancelled"))
                return synthesis
            self._pending.append((job, synthesis))
            self._dispatch()
        return synthesis

    def close(self) -> None:
        """Kill every worker; what is still queued or running fails as cancelled."""
        with self._lock:
            self._closed = True
            pending, self._pending = self._pending, []
            workers = list(self._all)
        for _, synthesis in pending:
            synthesis._deliver(SynthError(f"{synthesis.stack}: synthesis cancelled"))
        for worker in workers:
            worker.kill()

    def _start(self) -> _Worker:
        worker = _Worker()
        self._all.append(worker)
        return worker

    def _finished(self) -> None:
        with self._lock:
            self._running -= 1
            self._dispatch()

    def _dispatch(self) -> None:
        while self._pending and self._running < self._jobs:
            job, synthesis = self._pending.pop(0)
            worker = self._idle.pop() if self._idle else self._start()
            self._running += 1
            worker.run(job, synthesis)


def synthesize_stacks(
    root: Path,
    stack_paths: list[Path],
    *,
    jobs: int,
    timeout: float | None = None,
    sources: Mapping[Path, str] | None = None,
) -> list[ResourceGraph | SynthError]:
    """Synthesize each stack file in its own fresh process, `jobs` at a time; results in input
    order, a SynthError in place of each stack that could not be loaded or synthesized.
    `sources`: how messages name a stack file (default: its path)."""
    sources = sources or {}
    # Here, not at the top: the CLI imports this module to start workers before the loader.
    from blueprint.errors import BlueprintError  # noqa: PLC0415
    from blueprint.loader import load_stack_file  # noqa: PLC0415

    deadline = None if timeout is None else time.monotonic() + timeout
    with SynthesisPool(root, jobs=jobs, expected=len(stack_paths)) as pool:
        started: list[Synthesis | SynthError] = []
        for path in stack_paths:
            try:
                sf = load_stack_file(path, sources.get(path))
            except BlueprintError as exc:
                started.append(SynthError(f"{path.name}: " + "; ".join(exc.problems)))
                continue
            started.append(pool.submit(sf.name, sf.config, sources.get(path, str(path))))
        results: list[ResourceGraph | SynthError] = []
        for item in started:
            if isinstance(item, SynthError):
                results.append(item)
                continue
            try:
                results.append(item.graph(deadline))
            except SynthError as exc:
                results.append(exc)
        return results
