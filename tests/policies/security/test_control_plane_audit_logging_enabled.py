"""MLP-017 control-plane-audit-logging-enabled on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.resources import Resource
from mlp_policies.security.control_plane_audit_logging_enabled import RULE

from tests.policies.security.security_shapes import aks_cluster, aks_diagnostics, eks_cluster, gke_cluster
from tests.policies.shapes import DELETE, U_ARRAY, changed, env_config, stack_verdict

PROD = env_config("prod", RULE)  # every EKS log type
DEV = env_config("dev", RULE)  # audit only
AKS = aks_cluster()
NO_AUDIT = (
    "cluster cluster-aks sends no audit logs anywhere: no diagnostic setting with an enabled kube-audit or "
    "kube-audit-admin category and a destination"
)


def unlinked(resource: Resource) -> Resource:
    """No property dependencies (a first preview): joined by resourceUri == the cluster's id."""
    return Resource(type=resource.type, name=resource.name, props=resource.props, urn=resource.urn)


CASES: dict[str, tuple[list[Any], dict[str, Any], set[tuple[str | None, str]]]] = {
    "pass_aws_all_log_types_in_prod": ([eks_cluster()], PROD, set()),
    "pass_aws_audit_only_in_dev": ([changed(eks_cluster(), {"enabledClusterLogTypes": ["audit"]})], DEV, set()),
    "fail_aws_audit_only_in_prod": (
        [changed(eks_cluster(), {"enabledClusterLogTypes": ["audit"]})],
        PROD,
        {
            (
                "cluster-eks",
                "cluster cluster-eks does not log api, authenticator, controllerManager, scheduler "
                "(enabledClusterLogTypes)",
            )
        },
    ),
    "fail_aws_no_logs_in_dev": (
        [changed(eks_cluster(), {"enabledClusterLogTypes": DELETE})],
        DEV,
        {("cluster-eks", "cluster cluster-eks does not log audit (enabledClusterLogTypes)")},
    ),
    "pass_gcp_system_components": ([gke_cluster()], PROD, set()),
    "pass_gcp_default_logging": ([changed(gke_cluster(), {"loggingConfig": DELETE})], PROD, set()),
    "pass_gcp_api_server_component": (
        [changed(gke_cluster(), {"loggingConfig.enableComponents": ["APISERVER"]})],
        PROD,
        set(),
    ),
    "fail_gcp_workloads_only": (
        [changed(gke_cluster(), {"loggingConfig.enableComponents": ["WORKLOADS"]})],
        PROD,
        {("cluster-gke", "cluster cluster-gke does not log control-plane components (loggingConfig: WORKLOADS)")},
    ),
    "fail_gcp_logging_off": (
        [changed(gke_cluster(), {"loggingService": "none", "loggingConfig": DELETE})],
        PROD,
        {("cluster-gke", "cluster cluster-gke has logging off (loggingService none)")},
    ),
    "pass_azure_kube_audit_admin": ([AKS, aks_diagnostics(AKS)], PROD, set()),
    "pass_azure_joined_by_resource_uri": ([AKS, unlinked(aks_diagnostics(AKS))], PROD, set()),
    "pass_azure_audit_category_group": (
        [AKS, changed(aks_diagnostics(AKS), {"logs": [{"categoryGroup": "audit", "enabled": True}]})],
        PROD,
        set(),
    ),
    "fail_azure_no_diagnostic_setting": ([AKS], PROD, {("cluster-aks", NO_AUDIT)}),
    "fail_azure_audit_disabled": (
        [AKS, changed(aks_diagnostics(AKS), {"logs[1].enabled": False})],
        PROD,
        {("cluster-aks", NO_AUDIT)},
    ),
    "fail_azure_no_destination": (
        [AKS, changed(aks_diagnostics(AKS), {"workspaceId": DELETE})],
        PROD,
        {("cluster-aks", NO_AUDIT)},
    ),
}


@pytest.mark.parametrize(("resources", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], config: dict[str, Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, config)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_full_kube_audit_can_be_required() -> None:
    config = {**PROD, "aksAuditCategories": ["kube-audit"]}
    _, failures, _ = stack_verdict(RULE, [AKS, aks_diagnostics(AKS)], config)
    assert failures == {
        (
            "cluster-aks",
            "cluster cluster-aks sends no audit logs anywhere: no diagnostic setting with an enabled kube-audit "
            "category and a destination",
        )
    }


def test_no_cluster_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], PROD) == ({"not-applicable"}, set(), set())


def test_unknown_log_types_are_not_a_failure() -> None:
    resources = [
        changed(eks_cluster(), {"enabledClusterLogTypes": U_ARRAY}),
        AKS,
        changed(aks_diagnostics(AKS), {"logs": U_ARRAY}),
    ]
    assert stack_verdict(RULE, resources, PROD) == ({"unknown"}, set(), {"cluster-eks", "cluster-aks"})
