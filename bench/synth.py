"""Benchmark: load + validate every shipped stack, and synthesize the AWS ones offline.

Run by hand: `.venv/bin/python bench/synth.py`. Prints wall time per stage and the peak
memory of this process and of the synthesis workers; no pass/fail (targets live in
bench/README.md, not in unit tests)."""

from __future__ import annotations

import compileall
import resource
import time
from pathlib import Path

from blueprint.engine.workers import synthesize_stacks
from blueprint.loader import load_stack_file

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    for folder in ("blueprint", "components"):  # time the run, not compiling our sources
        compileall.compile_dir(ROOT / folder, quiet=1)
    stacks = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
    start = time.perf_counter()
    loaded = [load_stack_file(p) for p in stacks]
    validate_s = time.perf_counter() - start
    print(f"validate {len(stacks)} stacks: {validate_s * 1000:.0f} ms")
    aws = [p for p, sf in zip(stacks, loaded, strict=True) if sf.blueprint.cloud == "aws"]
    for jobs in (1, 2):
        start = time.perf_counter()
        graphs = synthesize_stacks(ROOT, aws, jobs=jobs)
        wall = time.perf_counter() - start
        sizes = [len(g.resources) for g in graphs if not isinstance(g, Exception)]
        print(f"synthesize {len(aws)} AWS stacks, --jobs {jobs}: {wall:.2f} s ({sizes} resources)")
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {self_mb:.0f} MB, largest worker {child_mb:.0f} MB")


if __name__ == "__main__":
    main()
