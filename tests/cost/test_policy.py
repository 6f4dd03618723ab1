"""Inputs for the cost-within-budget policy from what a CrossGuard stack policy sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from blueprint.cost import policy
from blueprint.cost.policy import PolicyInput, blueprint_for_stack, estimate_for_policy, graph_from_policy_resources
from blueprint.errors import BlueprintError
from blueprint.loader import StackFile
from tests.cost.helpers import ROOT


@dataclass
class FakePolicyResource:
    """The attributes of pulumi_policy.PolicyResource the adapter reads."""

    resource_type: str
    name: str
    urn: str
    props: dict[str, Any] = field(default_factory=dict)
    parent: FakePolicyResource | None = None


def resources() -> list[FakePolicyResource]:
    pool = FakePolicyResource(
        "mlplat:aws:GpuNodePool",
        "dev-gpu",
        "urn:pulumi:aws-dev::ml-platform::mlplat:aws:Platform$mlplat:aws:GpuNodePool::dev-gpu",
    )
    ng = FakePolicyResource(
        "aws:eks/nodeGroup:NodeGroup",
        "dev-gpu-ng",
        "urn:pulumi:aws-dev::ml-platform::mlplat:aws:GpuNodePool$aws:eks/nodeGroup:NodeGroup::dev-gpu-ng",
        {"instanceTypes": ["m6i.large"], "capacityType": "ON_DEMAND", "scalingConfig": {"minSize": 1, "maxSize": 2}},
        parent=pool,
    )
    return [pool, ng]


def test_graph_keeps_parents_and_reads_stack_from_urn() -> None:
    graph = graph_from_policy_resources(resources())
    assert graph.stack == "aws-dev" and graph.project == "ml-platform"
    assert graph.resources[1].parent == resources()[0].urn
    assert graph.resources[1].inputs == graph.resources[1].outputs


def test_estimate_for_policy_loads_the_stack_blueprint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "policies")  # where the Pulumi CLI runs a pack
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    est = estimate_for_policy(resources())
    assert est.budget_usd == 1500.0  # aws-dev budget
    # m6i.large in eu-west-1 $0.107; dev-gpu expects 0.3 nodes (aws-dev), min 1 -> clamped to 1
    assert est.expected_usd == pytest.approx(1 * 0.107 * 730)
    assert est.high_usd == pytest.approx(2 * 0.107 * 730)


def test_pulumi_stack_env_names_the_blueprint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PULUMI_STACK", "aws-prod")
    assert blueprint_for_stack().budget.monthly_limit_usd == 60000


def test_policy_input_dataclass_works_too() -> None:
    item = PolicyInput(
        resource_type="aws:kms/key:Key", name="k", urn="urn:pulumi:aws-dev::ml-platform::aws:kms/key:Key::k"
    )
    graph = graph_from_policy_resources([item])
    assert graph.resources[0].type == "aws:kms/key:Key" and graph.resources[0].parent is None


def _stack_file(folder: Path, budget: int) -> Path:
    text = (ROOT / "stacks" / "Pulumi.aws-dev.yaml").read_text(encoding="utf-8")
    assert "monthlyLimitUsd: 1500" in text
    path = folder / "Pulumi.cached.yaml"
    path.write_text(text.replace("monthlyLimitUsd: 1500", f"monthlyLimitUsd: {budget}"), encoding="utf-8")
    return path


def test_each_stack_file_is_loaded_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Several stack policies ask for the blueprint in every AnalyzeStack call.
    path = _stack_file(tmp_path, 1500)
    monkeypatch.setenv(policy.STACK_FILE_ENV, str(path))
    loads: list[Path] = []
    real = policy.load_stack_file

    def counting(p: Path, display: str | None = None) -> StackFile:
        loads.append(p)
        return real(p, display)

    monkeypatch.setattr(policy, "load_stack_file", counting)
    first = blueprint_for_stack("cached")
    assert all(blueprint_for_stack("cached") is first for _ in range(4))
    monkeypatch.setenv(policy.STACK_FILE_ENV, str(tmp_path / "." / path.name))  # the same file, spelled otherwise
    assert blueprint_for_stack("cached") is first
    assert loads == [path]


def test_a_changed_stack_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _stack_file(tmp_path, 1500)
    monkeypatch.setenv(policy.STACK_FILE_ENV, str(path))
    assert blueprint_for_stack("cached").budget.monthly_limit_usd == 1500
    _stack_file(tmp_path, 25000)
    assert blueprint_for_stack("cached").budget.monthly_limit_usd == 25000


def test_a_stack_file_that_fails_fails_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "Pulumi.cached.yaml"
    monkeypatch.setenv(policy.STACK_FILE_ENV, str(path))
    for _ in range(2):  # missing
        with pytest.raises(BlueprintError):
            blueprint_for_stack("cached")
    path.write_text("config: {}\n", encoding="utf-8")
    for _ in range(2):  # invalid
        with pytest.raises(BlueprintError, match="missing key"):
            blueprint_for_stack("cached")
    _stack_file(tmp_path, 1500)
    assert blueprint_for_stack("cached").budget.monthly_limit_usd == 1500
