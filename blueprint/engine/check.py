"""`mlbp check`: synthesize each stack, run the policy pack over it, collect one report.

Fails closed: if any stack cannot be loaded or synthesized, or the pack cannot deliver a
complete verdict for any stack, the whole check raises CheckError (exit 2) and no report is
produced, so a broken pack can never look like a clean one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprint.cost import estimate
from blueprint.cost.compare import CompareError, StackNotAtRef, estimate_at_ref
from blueprint.cost.policy import STACK_FILE_ENV
from blueprint.engine.analyzer import LaunchedPack, PackError, analyze_stream, launch
from blueprint.engine.locate import blueprint_lines
from blueprint.engine.model import AnalysisResult, ResourceGraph
from blueprint.engine.packs import PolicyConfigError, read_policy_config
from blueprint.engine.reports import CheckReport, CostSummary, StackResult
from blueprint.engine.workers import SynthError, SynthesisPool, project_name_of
from blueprint.errors import BlueprintError
from blueprint.loader import StackFile, load_stack_file
from blueprint.project import Project


class CheckError(Exception):
    """Input or engine problems; one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, kw_only=True)
class CheckOptions:
    pack_dir: Path
    pack_config: Path | None = None  # one file for every stack; default: <pack>/config/<environment>.json
    compare_ref: str | None = None  # git revision whose cost the cost-increase policy compares with
    jobs: int = 2
    timeout: float = 120.0


def run_check(
    project: Project,
    paths: list[Path],
    options: CheckOptions,
    progress: Callable[[str], None] = lambda _: None,
    pool: SynthesisPool | None = None,
) -> CheckReport:
    """Check every stack; `pool`: synthesis workers the caller started early (default: our own,
    started before the stack files are validated, so their start-up overlaps it)."""
    own = pool is None
    pool = pool or SynthesisPool(project.root, jobs=options.jobs, expected=len(paths))
    with pool if own else nullcontext(pool):
        stack_files = _load_all(project, paths)
        configs = {sf.name: _policy_config(project, options, sf) for sf in stack_files}
        project_name = project_name_of(project.root)
        progress(f"checking {len(stack_files)} stack(s), {options.jobs} at a time")

        packs = _LivePacks()

        def one(sf: StackFile) -> StackResult:
            synthesis = pool.submit(sf.name, sf.config, project.display(sf.path))
            launched: LaunchedPack | None = None
            try:
                if packs.stopped:  # interrupted meanwhile: start nothing more
                    raise CheckError([f"{sf.name}: check cancelled"])
                # The pack starts while its stack synthesizes, and analyzes each resource as
                # soon as the program registers it, as the engine does during a preview.
                launched = packs.add(
                    launch(
                        options.pack_dir,
                        project=project_name,
                        stack=sf.name,
                        timeout=options.timeout,
                        env={STACK_FILE_ENV: str(sf.path.resolve())},
                    )
                )
                config = configs[sf.name]
                if options.compare_ref is not None:
                    config = with_base_cost(config, _base_cost(project, sf, options.compare_ref))
                deadline = time.monotonic() + launched.deadline.remaining()
                analysis = analyze_stream(  # closes the pack, however it ends
                    options.pack_dir,
                    project=project_name,
                    stack=sf.name,
                    records=synthesis.records(deadline),
                    policy_config=config,
                    launched=launched,
                )
                packs.close(launched)
                return _result(project, sf, synthesis.graph(), analysis, progress)
            except BaseException as exc:
                # Every way out stops this stack's pack and worker: none outlives the check.
                if launched is not None:
                    packs.close(launched)
                synthesis.cancel()
                if isinstance(exc, SynthError):
                    raise CheckError([str(exc)]) from None
                if isinstance(exc, PackError):
                    raise CheckError([f"{sf.name}: {exc}"]) from None
                raise

        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as threads:
            futures = [threads.submit(one, sf) for sf in stack_files]
            errors: list[str] = []
            results: list[StackResult] = []
            try:
                for future in futures:
                    try:
                        results.append(future.result())
                    except CheckError as exc:
                        errors.extend(exc.problems)
            except BaseException:  # interrupted, terminated or a bug: stop every worker and pack
                threads.shutdown(wait=False, cancel_futures=True)
                packs.stop()
                pool.close()
                raise
    if errors:
        raise CheckError(errors)
    return CheckReport(stacks=tuple(results))


class _LivePacks:
    """The packs running for a check, so that an interrupted one (Ctrl-C, SIGTERM) stops them
    all at once rather than letting each run to its deadline; a pack that finishes starting
    after that is stopped as soon as it is added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._packs: list[LaunchedPack] = []
        self._stopped = False

    @property
    def stopped(self) -> bool:
        with self._lock:
            return self._stopped

    def add(self, pack: LaunchedPack) -> LaunchedPack:
        with self._lock:
            stopped = self._stopped
            if not stopped:
                self._packs.append(pack)
        if stopped:
            pack.close()
            raise CheckError([f"{pack.stack}: check cancelled"])
        return pack

    def close(self, pack: LaunchedPack) -> None:
        with self._lock:
            if pack in self._packs:
                self._packs.remove(pack)
        pack.close()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            packs, self._packs = self._packs, []
        for pack in packs:
            pack.close()


def _result(
    project: Project, sf: StackFile, graph: ResourceGraph, analysis: AnalysisResult, progress: Callable[[str], None]
) -> StackResult:
    est = estimate(graph, sf.blueprint)
    result = StackResult(
        stack=sf.name,
        stack_file=project.display(sf.path),
        cloud=sf.blueprint.cloud,
        environment=sf.blueprint.environment,
        resources=len(graph.resources),
        analysis=analysis,
        lines=blueprint_lines(graph, sf),
        cost=CostSummary(expected_usd=est.expected_usd, high_usd=est.high_usd, budget_usd=est.budget_usd),
    )
    counts = result.counts()
    progress(f"{sf.name}: {result.resources} resources, {counts['mandatory']} mandatory, {counts['advisory']} advisory")
    return result


COST_INCREASE_POLICY = "cost-increase-threshold"


def _base_cost(project: Project, sf: StackFile, ref: str) -> float:
    """Expected monthly cost of the same stack file at `ref`; a new stack starts from $0."""
    try:
        return estimate_at_ref(project.root, sf.path, ref).expected_usd
    except StackNotAtRef:
        return 0.0
    except CompareError as exc:
        raise CheckError([f"{sf.name}: --compare {ref}: {exc}"]) from None


def with_base_cost(config: dict[str, Any] | None, base_usd: float) -> dict[str, Any]:
    """The policy config with the base revision's cost for the cost-increase policy. Its level
    is kept as configured (advisory if unset): a pack without that policy ignores an entry that
    carries a level, as the engine does."""
    config = dict(config or {})
    entry = config.get(COST_INCREASE_POLICY)
    settings = dict(entry) if isinstance(entry, dict) else {"enforcementLevel": entry or "advisory"}
    settings.setdefault("enforcementLevel", "advisory")
    settings["baseMonthlyUsd"] = round(base_usd, 2)
    config[COST_INCREASE_POLICY] = settings
    return config


def _load_all(project: Project, paths: list[Path]) -> list[StackFile]:
    problems: list[str] = []
    loaded: list[StackFile] = []
    for path in paths:
        try:
            loaded.append(load_stack_file(path, project.display(path), project=project.name))
        except BlueprintError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CheckError(problems)
    return loaded


def _policy_config(project: Project, options: CheckOptions, sf: StackFile) -> dict[str, Any] | None:
    path = options.pack_config or options.pack_dir / "config" / f"{sf.blueprint.environment}.json"
    if options.pack_config is None and not path.is_file():
        return None  # a pack without per-environment configs runs with its own defaults
    try:
        return read_policy_config(path, project.display(path))
    except PolicyConfigError as exc:
        raise CheckError(exc.problems) from None
