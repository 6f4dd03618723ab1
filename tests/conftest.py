"""The whole suite runs on one day: Kubernetes versions leave support on dates, so checks
that read the clock (`blueprint.clock.today()`) must not change verdicts as the calendar turns.
The variable is set before any test runs, so synthesis workers and the policy pack (separate
processes) inherit it; a test that needs another day sets `MLBP_TODAY` itself."""

from __future__ import annotations

import os

from blueprint.clock import TODAY_ENV

SUITE_DAY = "2026-12-03"  # the day the calendar in blueprint/data/kubernetes.yaml was read
os.environ[TODAY_ENV] = SUITE_DAY
