"""The class the real-cloud constraint tests run over: every preset, region and environment
in `GENERATED_REGIONS` renders, loads and synthesizes, so each constraint sees them all."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from blueprint.catalog import Cloud
from blueprint.presets import PRESETS
from tests.realcloud.conftest import ENVIRONMENTS, GENERATED_REGIONS, Case


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_every_generated_stack_synthesizes(cloud: Cloud, realcloud_cases: Callable[[Cloud], list[Case]]) -> None:
    cases = realcloud_cases(cloud)
    generated = [c for c in cases if c.name.startswith("gen-")]
    assert len(generated) == len(PRESETS) * len(GENERATED_REGIONS[cloud]) * len(ENVIRONMENTS)
    assert {c.name for c in cases} >= {f"{cloud}-dev", f"{cloud}-prod"}
    for case in cases:
        assert case.graph.resources, case.name
        assert case.blueprint.cloud == cloud
