"""Policy tests: the pack's library (`policies/mlp_policies`) is imported the way the pack
imports it, with `policies/` on the path; the shipped AWS stacks are synthesized once per
session for the tests that run the real pack through the offline analyzer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
if str(POLICIES) not in sys.path:
    sys.path.insert(0, str(POLICIES))

from blueprint.engine.model import ResourceGraph  # noqa: E402
from blueprint.engine.synth import SynthError, synthesize_stacks  # noqa: E402

AWS_STACKS = ("aws-dev", "aws-prod")


@pytest.fixture(scope="session")
def aws_graphs() -> dict[str, ResourceGraph]:
    paths = [ROOT / "stacks" / f"Pulumi.{name}.yaml" for name in AWS_STACKS]
    graphs: dict[str, ResourceGraph] = {}
    for name, result in zip(AWS_STACKS, synthesize_stacks(ROOT, paths, jobs=2), strict=True):
        if isinstance(result, SynthError):
            pytest.fail(str(result))
        graphs[name] = result
    return graphs
