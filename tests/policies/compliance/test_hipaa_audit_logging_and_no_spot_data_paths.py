"""MLP-028 hipaa-audit-logging-and-no-spot-data-paths on fixture properties of all three
clouds; the stack's regimes come from a stand-in blueprint."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.compliance.hipaa_audit_logging_and_no_spot_data_paths import RULE

from tests.policies.data.fixtures import (
    AKS_LOGS,
    BLOB_LOGS,
    aws_eks_cluster,
    azure_aks_cluster,
    azure_blob_diagnostics,
    azure_blob_service,
    azure_cluster_diagnostics,
    classified_aws_stack,
    classified_gcp_stack,
    gcp_gke_cluster,
    prod_account,
    regimes,
    stack_blueprint,
)
from tests.policies.shapes import (
    U_BOOL,
    aws_asg,
    aws_gpu_node_group,
    azure_gpu_agent_pool,
    changed,
    env_config,
    gcp_gpu_node_pool,
    gcp_instance_template,
    gcp_mig,
    stack_verdict,
)

PROD = env_config("prod", RULE)
TRAIN = "mlplat/workload"
AWS_TRAIN = changed(aws_gpu_node_group("train-ng"), {f"labels.{TRAIN}": "training", "capacityType": "ON_DEMAND"})
GCP_TRAIN = changed(gcp_gpu_node_pool("train"), {f"nodeConfig.labels.{TRAIN}": "training", "nodeConfig.spot": False})
AZURE_TRAIN = changed(azure_gpu_agent_pool("train"), {f"nodeLabels.{TRAIN}": "training", "scaleSetPriority": "Regular"})
ON_DEMAND_ASG = changed(
    aws_asg(), {"mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity": 100.0}
)
AKS = azure_aks_cluster()
ACCOUNT = prod_account()
AZURE_OK = [
    AKS,
    azure_cluster_diagnostics(AKS, *AKS_LOGS),
    ACCOUNT,
    azure_blob_service(ACCOUNT),
    azure_blob_diagnostics(ACCOUNT, *BLOB_LOGS),
    AZURE_TRAIN,
]


def spot(label: str, why: str, percent: int = 100) -> str:
    return f"{label} ({why}) is a stateful data path but runs {percent} % on spot capacity"


CASES: dict[str, tuple[tuple[str, ...], list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_audited_logged_on_demand": (
        ("hipaa",),
        [aws_eks_cluster(), *classified_aws_stack(), AWS_TRAIN, aws_gpu_node_group(), ON_DEMAND_ASG],
        set(),
    ),
    "pass_aws_not_hipaa": (("gdpr",), [changed(aws_eks_cluster(), {"enabledClusterLogTypes": []}), aws_asg()], set()),
    "fail_aws_no_audit_log_type": (
        ("hipaa",),
        [changed(aws_eks_cluster(), {"enabledClusterLogTypes": ["api", "authenticator"]})],
        {
            (
                "cluster-eks",
                "Cluster cluster-eks does not send audit logs to CloudWatch (enabledClusterLogTypes lacks audit)",
            )
        },
    ),
    "fail_aws_spot_training_and_batch_group_unlogged_bucket": (
        ("hipaa", "gdpr"),
        [
            changed(AWS_TRAIN, {"capacityType": "SPOT"}),
            aws_asg(),
            *[r for r in classified_aws_stack() if r.type != "aws:s3/bucketLogging:BucketLogging"],
        ],
        {
            ("train-ng", spot("node pool dev-gpu (train-ng)", "workload training")),
            ("batch-cpu-asg", spot("VM group batch-cpu-asg", "a vm-group")),
            (
                "datasets-bucket",
                "Bucket datasets-bucket does not log data access: no server access logging (BucketLogging)",
            ),
            # nothing logs into the logs bucket any more, so it must log its own access
            (
                "access-logs-bucket",
                "Bucket access-logs-bucket does not log data access: no server access logging (BucketLogging)",
            ),
        },
    ),
    "pass_gcp_admin_activity_audit_usage_logs_on_demand": (
        ("hipaa",),
        [gcp_gke_cluster(), *classified_gcp_stack(), GCP_TRAIN],
        set(),
    ),
    "fail_gcp_spot_training_and_preemptible_batch_group": (
        ("hipaa",),
        [
            gcp_gke_cluster(),
            changed(GCP_TRAIN, {"nodeConfig.spot": True}),
            gcp_instance_template(),
            gcp_mig(gcp_instance_template()),
        ],
        {
            ("train", spot("node pool train", "workload training")),
            ("batch-cpu-mig", spot("VM group batch-cpu-mig", "a vm-group")),
        },
    ),
    "pass_azure_kube_audit_blob_logs_regular_priority": (("hipaa",), AZURE_OK, set()),
    "fail_azure_no_cluster_or_blob_diagnostics_spot_training": (
        ("hipaa",),
        [AKS, ACCOUNT, azure_blob_service(ACCOUNT), changed(AZURE_TRAIN, {"scaleSetPriority": "Spot"})],
        {
            (
                "cluster-aks",
                "ManagedCluster cluster-aks has no diagnostic setting sending kube-audit or kube-audit-admin logs",
            ),
            (
                "datasets-account",
                "StorageAccount datasets-account does not log data access: no diagnostic setting logs StorageRead, "
                "StorageWrite and StorageDelete on its blob service",
            ),
            ("train", spot("node pool train", "workload training")),
        },
    ),
}


@pytest.mark.parametrize(("declared", "resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(
    monkeypatch: pytest.MonkeyPatch,
    declared: tuple[str, ...],
    resources: list[Any],
    expected: set[tuple[str | None, str]],
) -> None:
    with stack_blueprint(monkeypatch, regimes(*declared)):
        statuses, failures, unknowns = stack_verdict(RULE, resources, PROD)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_stateful_workloads_and_pool_kinds_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    config = {**PROD, "statefulWorkloads": ["batch"], "statefulPoolKinds": []}
    with stack_blueprint(monkeypatch, regimes("hipaa")):
        _, failures, _ = stack_verdict(RULE, [aws_gpu_node_group(), aws_asg()], config)
    assert failures == {("dev-gpu-ng", spot("node pool dev-gpu (dev-gpu-ng)", "workload batch"))}


def test_aks_audit_needs_an_enabled_audit_category(monkeypatch: pytest.MonkeyPatch) -> None:
    setting = changed(azure_cluster_diagnostics(AKS, "kube-audit"), {"logs[0].enabled": False})
    with stack_blueprint(monkeypatch, regimes("hipaa")):
        _, failures, _ = stack_verdict(RULE, [AKS, setting], PROD)
    assert {subject for subject, _ in failures} == {"cluster-aks"}


def test_unknown_capacity_is_not_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = changed(GCP_TRAIN, {"nodeConfig.spot": U_BOOL})
    with stack_blueprint(monkeypatch, regimes("hipaa")):
        statuses, failures, unknowns = stack_verdict(RULE, [gcp_gke_cluster(), pool], PROD)
    assert (statuses, failures, unknowns) == ({"pass", "unknown"}, set(), {"train"})
