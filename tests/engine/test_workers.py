"""Synthesis workers: one fresh process per stack, resources streamed as they are registered,
and every way a worker can fail reported as that stack's SynthError."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from blueprint.engine.workers import SynthError, SynthesisPool

PROGRAM = Path(__file__).resolve().parents[1] / "fixtures" / "programs" / "behaviours"


def names(records: list) -> list[str]:  # type: ignore[type-arg]
    return [r.name for r in records]


def test_resources_arrive_while_the_program_still_runs(tmp_path: Path) -> None:
    flag = tmp_path / "go"
    with SynthesisPool(PROGRAM, jobs=1, expected=1) as pool:
        synthesis = pool.submit("dev", {"test:mode": "stream", "test:flag": str(flag)})
        stream = synthesis.records(deadline=time.monotonic() + 60)
        first = next(stream)
        # The program is blocked on the flag: `second` cannot exist yet.
        assert first.name == "first"
        assert first.type == "test:index:Thing"
        assert first.urn == "urn:pulumi:dev::worker-behaviours::pulumi:pulumi:Stack$test:index:Thing::first"
        flag.touch()
        rest = list(stream)
        graph = synthesis.graph()
    assert names(rest) == ["second"]
    assert names(list(graph.resources)) == ["first", "second"]
    assert (graph.project, graph.stack) == ("worker-behaviours", "dev")


def test_each_stack_runs_in_a_process_of_its_own() -> None:
    with SynthesisPool(PROGRAM, jobs=1, expected=3) as pool:
        runs = [pool.submit(f"s{i}", {"test:mode": "pid"}) for i in range(3)]
        graphs = [s.graph(deadline=time.monotonic() + 120) for s in runs]
    assert [g.stack for g in graphs] == ["s0", "s1", "s2"]
    pids = {g.resources[0].name for g in graphs}
    assert len(pids) == 3


def test_program_output_goes_to_stderr_not_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    with SynthesisPool(PROGRAM, jobs=1, expected=1) as pool:
        graph = pool.submit("dev", {"test:mode": "print"}).graph(deadline=time.monotonic() + 60)
    assert names(list(graph.resources)) == ["first"]
    out, err = capfd.readouterr()
    assert "the program talks on stdout" not in out
    assert "the program talks on stdout" in err


def test_a_worker_that_exits_mid_program_fails_its_stack() -> None:
    with SynthesisPool(PROGRAM, jobs=1, expected=1) as pool:
        synthesis = pool.submit("dev", {"test:mode": "exit"})
        with pytest.raises(SynthError, match=r"^dev: the synthesis worker exited with code 3 before it finished$"):
            synthesis.graph(deadline=time.monotonic() + 60)
        # What arrived before the crash is not passed off as the whole stack.
        with pytest.raises(SynthError):
            synthesis.graph()


def test_a_program_that_never_finishes_is_stopped_at_the_deadline() -> None:
    with SynthesisPool(PROGRAM, jobs=1, expected=1) as pool:
        synthesis = pool.submit("dev", {"test:mode": "hang"})
        started = time.monotonic()
        with pytest.raises(SynthError, match=r"^dev: synthesis did not finish within the deadline$"):
            synthesis.graph(deadline=time.monotonic() + 8)
        assert time.monotonic() - started < 30
        worker = synthesis._worker
        assert worker is not None and worker.proc.poll() is not None  # killed, not left behind


def test_a_failing_program_reports_its_error() -> None:
    with SynthesisPool(PROGRAM, jobs=1, expected=1) as pool:
        synthesis = pool.submit("dev", {})  # no test:mode: config.require raises
        with pytest.raises(SynthError, match=r"^dev: the program failed under mocks: .*test:mode"):
            synthesis.graph(deadline=time.monotonic() + 60)


def test_closing_the_pool_kills_idle_and_running_workers() -> None:
    pool = SynthesisPool(PROGRAM, jobs=2, expected=2)
    synthesis = pool.submit("dev", {"test:mode": "hang"})
    idle = list(pool._idle)
    assert len(idle) == 1  # the second one was started ahead and never used
    pool.close()
    with pytest.raises(SynthError):
        synthesis.graph(deadline=time.monotonic() + 30)
    assert all(w.proc.poll() is not None for w in pool._all)


@pytest.mark.parametrize("over_grpc", [False, True], ids=["in-process", "over-grpc"])
def test_stack_transforms_run_as_the_engine_runs_them(monkeypatch: pytest.MonkeyPatch, over_grpc: bool) -> None:
    if over_grpc:  # the fallback for an SDK whose callback server we cannot reach in-process
        monkeypatch.setenv("MLBP_TRANSFORMS_OVER_GRPC", "1")
    with SynthesisPool(PROGRAM, jobs=1, expected=1) as pool:
        graph = pool.submit("dev", {"test:mode": "transform"}).graph(deadline=time.monotonic() + 60)
    (widget,) = graph.resources
    assert (widget.type, widget.custom, widget.protect) == ("test:index:Widget", True, True)
    assert widget.inputs == {"size": 1, "label": "transformed"}


@pytest.mark.parametrize("over_grpc", [False, True], ids=["in-process", "over-grpc"])
def test_a_failing_transform_fails_the_stack_with_its_message(monkeypatch: pytest.MonkeyPatch, over_grpc: bool) -> None:
    if over_grpc:
        monkeypatch.setenv("MLBP_TRANSFORMS_OVER_GRPC", "1")
    with SynthesisPool(PROGRAM, jobs=1, expected=1) as pool:
        synthesis = pool.submit("dev", {"test:mode": "transform-fails"})
        with pytest.raises(SynthError, match=r"^dev: the program failed under mocks: .*this transform is broken"):
            synthesis.graph(deadline=time.monotonic() + 60)


def test_a_worker_whose_parent_never_sends_a_job_exits_quietly() -> None:
    pool = SynthesisPool(PROGRAM, jobs=1, expected=1)
    (idle,) = pool._idle
    assert idle.proc.stdin is not None
    idle.proc.stdin.close()  # what a parent that dies or needs no worker leaves behind
    assert idle.proc.wait(timeout=60) == 0
    pool.close()


def test_closing_the_pool_cancels_queued_stacks_and_refuses_new_ones() -> None:
    pool = SynthesisPool(PROGRAM, jobs=1, expected=2)
    running = pool.submit("a", {"test:mode": "hang"})
    queued = pool.submit("b", {"test:mode": "pid"})  # waits for the only slot
    pool.close()
    with pytest.raises(SynthError, match=r"^b: synthesis cancelled$"):
        queued.graph(deadline=time.monotonic() + 30)
    with pytest.raises(SynthError, match=r"^a: the synthesis worker was killed by signal 9 before it finished$"):
        running.graph(deadline=time.monotonic() + 30)
    with pytest.raises(SynthError, match=r"^c: synthesis cancelled$"):
        pool.submit("c", {"test:mode": "pid"}).graph(deadline=time.monotonic() + 30)
    assert len(pool._all) == 1  # nothing was started after the close
