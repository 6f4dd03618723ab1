"""MLP-015 kubernetes-secrets-encrypted-with-customer-key on EKS and GKE fixture properties
(AKS: MLP-029)."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.security.kubernetes_secrets_encrypted_with_customer_key import RULE

from tests.policies.security.security_shapes import aks_cluster, eks_cluster, gke_cluster
from tests.policies.shapes import DELETE, KEY_ARN, U_STRING, changed, env_config, verdict

PROD = env_config("prod", RULE)
EKS_FAIL = "cluster cluster-eks does not encrypt Kubernetes secrets with a KMS key (encryptionConfig)"

CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_aws_secrets_with_platform_key": (eks_cluster(), set()),
    "pass_aws_pre_v7_list_shape": (
        changed(eks_cluster(), {"encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": KEY_ARN}}]}),
        set(),
    ),
    "fail_aws_no_encryption_config": (changed(eks_cluster(), {"encryptionConfig": DELETE}), {EKS_FAIL}),
    "fail_aws_no_key": (changed(eks_cluster(), {"encryptionConfig.provider": DELETE}), {EKS_FAIL}),
    "pass_gcp_application_layer_encryption": (gke_cluster(), set()),
    "fail_gcp_decrypted": (
        changed(gke_cluster(), {"databaseEncryption": {"state": "DECRYPTED"}}),
        {
            "cluster cluster-gke does not encrypt Kubernetes secrets with a Cloud KMS key (databaseEncryption is "
            "DECRYPTED)"
        },
    ),
    "fail_gcp_unset": (
        changed(gke_cluster(), {"databaseEncryption": DELETE}),
        {
            "cluster cluster-gke does not encrypt Kubernetes secrets with a Cloud KMS key (databaseEncryption is "
            "DECRYPTED)"
        },
    ),
}


@pytest.mark.parametrize(("subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, PROD)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_aks_is_judged_by_its_own_policy() -> None:
    assert verdict(RULE, aks_cluster(), PROD)[0] == "not-applicable"


def test_unknown_key_is_not_a_failure() -> None:
    subject = changed(eks_cluster(), {"encryptionConfig.provider.keyArn": U_STRING})
    assert verdict(RULE, subject, PROD) == ("unknown", set())
