"""A cancelled check (CI sends SIGTERM, a person Ctrl-C) stops its synthesis workers and policy
packs on the way out instead of leaving them running, and exits 128+N, never 1 (violations)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def processes_marked(marker: str) -> list[int]:
    """Pids of live processes whose environment carries `marker` (inherited by every child)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().split()[2]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    ("signum", "after", "said"),
    [(signal.SIGTERM, 0.5, "terminated"), (signal.SIGTERM, 2.0, "terminated"), (signal.SIGINT, 2.0, "interrupted")],
)
def test_a_stopped_check_stops_its_workers_and_packs(signum: int, after: float, said: str) -> None:
    marker = f"MLBP_TEST_RUN={uuid.uuid4()}"
    key, value = marker.split("=")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from blueprint.__main__ import main; main()", "check", "--all"],  # as `mlbp`
        cwd=ROOT,
        env={**os.environ, key: value},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(after)
    assert processes_marked(marker), "the check should be running with its children"
    proc.send_signal(signum)  # Ctrl-C reaches the workers too: they leave it to us
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum
    assert err.endswith(f"{said}\n")
    assert "Traceback" not in err
    deadline = time.monotonic() + 10
    while processes_marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_marked(marker) == []
