"""Policy tests: the pack's library (`policies/mlp_policies`) is imported the way the pack
imports it, with `policies/` on the path; the shipped stacks are synthesized once per session for the tests
that run the real pack through the offline analyzer."""

from __future__ import annotations

import os
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
# Every shipped stack and the environment whose config it runs under.
SHIPPED_STACKS = {
    "aws-dev": "dev",
    "aws-prod": "prod",
    "gcp-dev": "dev",
    "gcp-prod": "prod",
    "azure-dev": "dev",
    "azure-prod": "prod",
}


@pytest.fixture(scope="session")
def shipped_graphs() -> dict[str, ResourceGraph]:
    """The six shipped stacks, synthesized once per session."""
    paths = [ROOT / "stacks" / f"Pulumi.{name}.yaml" for name in SHIPPED_STACKS]
    graphs: dict[str, ResourceGraph] = {}
    for name, result in zip(SHIPPED_STACKS, synthesize_stacks(ROOT, paths, jobs=os.cpu_count() or 2), strict=True):
        if isinstance(result, SynthError):
            pytest.fail(str(result))
        graphs[name] = result
    return graphs


@pytest.fixture(scope="session")
def aws_graphs(shipped_graphs: dict[str, ResourceGraph]) -> dict[str, ResourceGraph]:
    return {name: shipped_graphs[name] for name in AWS_STACKS}
