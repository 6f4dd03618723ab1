"""MLP-045 workload-service-accounts-have-identity: the blueprint's workloads (a stand-in
blueprint, and once the shipped stack files) against the service accounts of the stack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mlp_policies.cluster.workload_service_accounts_have_identity import RULE
from mlp_policies.resources import Stack

from blueprint.errors import BlueprintError
from tests.policies.cluster.cluster_shapes import service_account
from tests.policies.data.fixtures import stack_blueprint
from tests.policies.shapes import U_STRING, aws_cluster, stack_verdict

GKE = {"iam.gke.io/gcp-service-account": "mlp-gcp-dev-wl-trainer@my-ml-project.iam.gserviceaccount.com"}
AKS = {"azure.workload.identity/client-id": "1ebf9a86-1bc9-66c4-41f1-6d729c83a5a8"}
TRAINER = SimpleNamespace(name="trainer", namespace="ml", service_account="trainer")
NOTEBOOK = SimpleNamespace(name="notebook", namespace="ml", service_account="notebook")


def blueprint(cloud: str, *workloads: Any, enabled: bool = True) -> SimpleNamespace:
    """A stand-in blueprint: the rule reads `cloud`, `workloads` and `cluster.inCluster.enabled`."""
    return SimpleNamespace(
        cloud=cloud,
        workloads=workloads or (TRAINER,),
        cluster=SimpleNamespace(in_cluster=SimpleNamespace(enabled=enabled)),
    )


@pytest.fixture
def given(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    def run(bp: Any, resources: list[Any]) -> tuple[set[str], set[tuple[str | None, str]], set[str | None]]:
        with stack_blueprint(monkeypatch, bp):
            return stack_verdict(RULE, resources)

    return run


MISSING = (
    "workload trainer has no service account ml/trainer: its pods cannot start, and its cloud identity is bound to "
    "that account"
)

CASES: dict[str, tuple[Any, list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_pod_identity_needs_no_annotation": (
        blueprint("aws"),
        [service_account("trainer", "ml", "trainer"), aws_cluster()],
        set(),
    ),
    "fail_aws_missing_service_account": (blueprint("aws"), [aws_cluster()], {(None, MISSING)}),
    "fail_aws_service_account_in_another_namespace": (
        blueprint("aws"),
        [service_account("trainer", "default", "trainer")],
        {(None, MISSING)},
    ),
    "pass_gcp_annotated_for_workload_identity": (
        blueprint("gcp", TRAINER, NOTEBOOK),
        [service_account("trainer", "ml", "trainer", GKE), service_account("notebook", "ml", "notebook", GKE)],
        set(),
    ),
    "fail_gcp_without_annotation": (
        blueprint("gcp"),
        [service_account("trainer", "ml", "trainer")],
        {
            (
                "cluster-layer-tenancy-trainer",
                "service account ml/trainer of workload trainer lacks the iam.gke.io/gcp-service-account annotation: "
                "its pods get no cloud identity",
            )
        },
    ),
    "fail_gcp_with_the_azure_annotation": (
        blueprint("gcp"),
        [service_account("trainer", "ml", "trainer", AKS)],
        {
            (
                "cluster-layer-tenancy-trainer",
                "service account ml/trainer of workload trainer lacks the iam.gke.io/gcp-service-account annotation: "
                "its pods get no cloud identity",
            )
        },
    ),
    "pass_azure_annotated_for_workload_identity": (
        blueprint("azure"),
        [service_account("trainer", "ml", "trainer", AKS)],
        set(),
    ),
    "fail_azure_empty_client_id": (
        blueprint("azure"),
        [service_account("trainer", "ml", "trainer", {"azure.workload.identity/client-id": ""})],
        {
            (
                "cluster-layer-tenancy-trainer",
                "service account ml/trainer of workload trainer lacks the azure.workload.identity/client-id "
                "annotation: its pods get no cloud identity",
            )
        },
    ),
}


@pytest.mark.parametrize(("bp", "resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(given: Any, bp: Any, resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = given(bp, resources)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_without_the_cluster_layer_it_is_not_applicable(given: Any) -> None:
    assert given(blueprint("gcp", enabled=False), [aws_cluster()]) == ({"not-applicable"}, set(), set())


def test_an_unknown_annotation_value_is_not_a_failure(given: Any) -> None:
    account = service_account("trainer", "ml", "trainer", {"azure.workload.identity/client-id": U_STRING})
    assert given(blueprint("azure"), [account]) == ({"unknown"}, set(), {"cluster-layer-tenancy-trainer"})


def test_an_unknown_account_name_makes_a_missing_account_unknown(given: Any) -> None:
    account = service_account("trainer", "ml", U_STRING, AKS)
    assert given(blueprint("azure"), [account]) == ({"unknown"}, set(), {None})


def test_no_blueprint_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    from blueprint.cost import policy

    def missing(stack: str | None = None, *, start: Path | None = None) -> Any:
        raise BlueprintError(["stacks/Pulumi.dev.yaml: not found"])

    monkeypatch.setattr(policy, "blueprint_for_stack", missing)
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    (finding,) = RULE.evaluate(Stack((service_account("trainer", "ml", "trainer"),)))
    assert finding.outcome.status == "unknown"
    assert finding.outcome.reason == "the workloads of stack dev are unknown: stacks/Pulumi.dev.yaml: not found"
