"""The security rules' verdicts on the six shipped stacks, synthesized as `mlbp check` does and
read as the analyzer hands them over (resource rules: inputs; stack rules: outputs with
dependencies), under each stack's environment config.

Every rule judges something on every cloud it covers, and the only finding is the honest one:
AKS secrets are not encrypted with a customer key (MLP-029, advisory in every config) because
components/azure/cluster.py does not enable KMS etcd encryption. That no shipped stack has a
mandatory violation through the real analyzer is checked in tests/policies/test_mutations.py.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import pytest
from mlp_policies.registry import all_rules, theme_of
from mlp_policies.resources import Resource, Stack, cloud_of
from mlp_policies.rule import ResourceRule, Rule, StackRule

from blueprint.engine.model import UNKNOWN, ResourceGraph
from tests.policies.conftest import SHIPPED_STACKS
from tests.policies.shapes import CONFIG_DIR

SECURITY = [r for r in all_rules() if theme_of(r) == "security"]
AKS_KMS = "aks-secrets-encrypted-with-customer-key"
EXPECTED_FAILURES = {
    "azure-dev": {(AKS_KMS, "cluster-aks")},
    "azure-prod": {(AKS_KMS, "cluster-aks")},
}


def _first_preview(graph: ResourceGraph) -> ResourceGraph:
    """As in a first `pulumi preview`: every input computed from another resource is unknown,
    and outputs are only the inputs."""
    return replace(
        graph,
        resources=tuple(
            replace(
                r,
                inputs={k: UNKNOWN if r.property_dependencies.get(k) else v for k, v in r.inputs.items()},
                outputs={},
            )
            for r in graph.resources
        ),
    )


def _views(graph: ResourceGraph) -> tuple[list[Resource], Stack]:
    inputs = [Resource(type=r.type, name=r.name, urn=r.urn, props=r.inputs, parent=r.parent) for r in graph.resources]
    outputs = Stack(
        tuple(
            Resource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                props=r.outputs or r.inputs,
                parent=r.parent,
                dependencies=r.dependencies,
                property_dependencies=r.property_dependencies,
            )
            for r in graph.resources
        )
    )
    return inputs, outputs


def _config(env: str, rule: Rule) -> dict[str, object]:
    entry = json.loads((CONFIG_DIR / f"{env}.json").read_text())[rule.name]
    return {k: v for k, v in entry.items() if k != "enforcementLevel"} if isinstance(entry, dict) else {}


def _verdicts(graph: ResourceGraph, env: str) -> dict[str, list[tuple[str, str, tuple[str, ...]]]]:
    """Per rule: (subject, status, messages) for every subject it judged or found not applicable."""
    inputs, outputs = _views(graph)
    out: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for rule in SECURITY:
        if isinstance(rule, StackRule):
            found = [
                (f.subject.name if f.subject else "", f.outcome) for f in rule.evaluate(outputs, _config(env, rule))
            ]
        else:
            assert isinstance(rule, ResourceRule)
            found = [(r.name, rule.evaluate(r, _config(env, rule))) for r in inputs if r.cloud and rule.reads(r.type)]
        out[rule.name] = [(name, o.status, o.messages) for name, o in found]
    return out


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_security_verdicts_on_the_shipped_stacks(shipped_graphs: dict[str, ResourceGraph], stack: str) -> None:
    cloud = stack.split("-", 1)[0]
    verdicts = _verdicts(shipped_graphs[stack], SHIPPED_STACKS[stack])
    failures = {(rule, name) for rule, found in verdicts.items() for name, status, _ in found if status == "fail"}
    assert failures == EXPECTED_FAILURES.get(stack, set())
    assert [(rule, name) for rule, found in verdicts.items() for name, status, _ in found if status == "unknown"] == []
    for rule in SECURITY:
        if cloud in rule.clouds:
            judged = Counter(status for _, status, _ in verdicts[rule.name])
            assert judged["pass"] + judged["fail"] > 0, f"{rule.name} judged nothing on {stack}: {dict(judged)}"


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_a_first_preview_yields_unknowns_not_failures(shipped_graphs: dict[str, ResourceGraph], stack: str) -> None:
    verdicts = _verdicts(_first_preview(shipped_graphs[stack]), SHIPPED_STACKS[stack])
    failures = {(rule, name) for rule, found in verdicts.items() for name, status, _ in found if status == "fail"}
    assert failures == EXPECTED_FAILURES.get(stack, set())
    assert any(status == "unknown" for found in verdicts.values() for _, status, _ in found)


def test_the_aks_finding_names_what_is_missing(shipped_graphs: dict[str, ResourceGraph]) -> None:
    found = _verdicts(shipped_graphs["azure-prod"], "prod")[AKS_KMS]
    assert found == [
        (
            "cluster-aks",
            "fail",
            (
                "cluster cluster-aks: AKS etcd KMS encryption is not configured (securityProfile.azureKeyVaultKms), so "
                "Kubernetes secrets are encrypted with platform-managed keys only",
            ),
        )
    ]


def test_every_security_rule_type_token_names_its_cloud() -> None:
    for rule in SECURITY:
        assert all(cloud_of(t) is not None or t == "*" for t in rule.resource_types), rule.name
