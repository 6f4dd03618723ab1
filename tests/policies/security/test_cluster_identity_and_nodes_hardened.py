"""MLP-018 cluster-identity-and-nodes-hardened on EKS, GKE and AKS fixture properties."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.security.cluster_identity_and_nodes_hardened import RULE

from tests.policies.security.security_shapes import aks_cluster, eks_cluster, gke_cluster
from tests.policies.shapes import (
    DELETE,
    U_BOOL,
    U_STRING,
    changed,
    env_config,
    gcp_gpu_node_pool,
    gcp_system_node_pool,
    verdict,
)

PROD = env_config("prod", RULE)
POOL = gcp_gpu_node_pool()

CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_aws_access_entries_only_no_creator_admin": (eks_cluster(), set()),
    "fail_aws_creator_bootstrapped_as_admin": (
        changed(eks_cluster(), {"accessConfig.bootstrapClusterCreatorAdminPermissions": True}),
        {
            "cluster cluster-eks makes its creator an admin outside the program "
            "(accessConfig.bootstrapClusterCreatorAdminPermissions is not false)"
        },
    ),
    "fail_aws_defaults_config_map_and_creator_admin": (
        changed(eks_cluster(), {"accessConfig": DELETE}),
        {
            "cluster cluster-eks grants access through the aws-auth ConfigMap "
            "(accessConfig.authenticationMode is unset, not API)",
            "cluster cluster-eks makes its creator an admin outside the program "
            "(accessConfig.bootstrapClusterCreatorAdminPermissions is not false)",
        },
    ),
    "fail_aws_config_map_alongside_entries": (
        changed(eks_cluster(), {"accessConfig.authenticationMode": "API_AND_CONFIG_MAP"}),
        {
            "cluster cluster-eks grants access through the aws-auth ConfigMap "
            "(accessConfig.authenticationMode is API_AND_CONFIG_MAP, not API)"
        },
    ),
    "pass_gcp_cluster_workload_identity_shielded": (gke_cluster(), set()),
    "pass_gcp_cluster_without_node_config": (changed(gke_cluster(), {"nodeConfig": DELETE}), set()),
    "fail_gcp_cluster_without_workload_identity_and_abac": (
        changed(
            gke_cluster(), {"workloadIdentityConfig": DELETE, "enableLegacyAbac": True, "enableShieldedNodes": False}
        ),
        {
            "cluster cluster-gke has Workload Identity off (workloadIdentityConfig.workloadPool)",
            "cluster cluster-gke has shielded nodes off (enableShieldedNodes)",
            "cluster cluster-gke has legacy ABAC on, which bypasses Kubernetes RBAC",
        },
    ),
    "fail_gcp_cluster_default_pool_without_secure_boot": (
        changed(gke_cluster(), {"nodeConfig.shieldedInstanceConfig.enableSecureBoot": False}),
        {"cluster cluster-gke: nodes boot without secure boot (shieldedInstanceConfig.enableSecureBoot)"},
    ),
    "pass_gcp_node_pool_secure_boot_and_metadata_server": (POOL, set()),
    "fail_gcp_node_pool_defaults": (
        gcp_system_node_pool(),
        {
            "node pool system: nodes boot without secure boot (shieldedInstanceConfig.enableSecureBoot)",
            "node pool system: pods can reach the node's metadata and credentials (workloadMetadataConfig.mode is "
            "unset, not GKE_METADATA)",
        },
    ),
    "fail_gcp_node_pool_node_metadata": (
        changed(POOL, {"nodeConfig.workloadMetadataConfig.mode": "GCE_METADATA"}),
        {
            "node pool dev-l4: pods can reach the node's metadata and credentials (workloadMetadataConfig.mode is "
            "GCE_METADATA, not GKE_METADATA)"
        },
    ),
    "pass_azure_rbac_no_local_accounts_cilium": (aks_cluster(), set()),
    "pass_azure_rbac_by_default": (changed(aks_cluster(), {"enableRBAC": DELETE}), set()),
    "fail_azure_local_accounts_rbac_off_no_network_policy": (
        changed(
            aks_cluster(), {"enableRBAC": False, "disableLocalAccounts": False, "networkProfile.networkPolicy": DELETE}
        ),
        {
            "cluster cluster-aks has Kubernetes RBAC off (enableRBAC)",
            "cluster cluster-aks has local accounts (disableLocalAccounts is off)",
            "cluster cluster-aks enforces no network policies (networkProfile.networkPolicy none)",
        },
    ),
    "fail_azure_network_policy_none": (
        changed(aks_cluster(), {"networkProfile.networkPolicy": "none"}),
        {"cluster cluster-aks enforces no network policies (networkProfile.networkPolicy none)"},
    ),
}


@pytest.mark.parametrize(("subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, PROD)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_unknown_bootstrap_flag_is_not_a_failure() -> None:
    subject = changed(eks_cluster(), {"accessConfig.bootstrapClusterCreatorAdminPermissions": U_BOOL})
    assert verdict(RULE, subject, PROD) == ("unknown", set())


def test_unknown_workload_pool_is_not_a_failure() -> None:
    subject = changed(gke_cluster(), {"workloadIdentityConfig.workloadPool": U_STRING})
    assert verdict(RULE, subject, PROD) == ("unknown", set())
