"""MLP-029 aks-secrets-encrypted-with-customer-key on AKS fixture properties, and its level:
advisory in every shipped config while the Azure components do not enable KMS etcd
encryption."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mlp_policies.security.aks_secrets_encrypted_with_customer_key import RULE

from tests.policies.security.security_shapes import VAULT_KEY, aks_cluster
from tests.policies.shapes import CONFIG_DIR, U_BOOL, changed, verdict

NOT_CONFIGURED = (
    "cluster cluster-aks: AKS etcd KMS encryption is not configured (securityProfile.azureKeyVaultKms), so "
    "Kubernetes secrets are encrypted with platform-managed keys only"
)
KMS = "securityProfile.azureKeyVaultKms"

CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_azure_kms_with_vault_key": (
        changed(aks_cluster(), {KMS: {"enabled": True, "keyId": VAULT_KEY, "keyVaultNetworkAccess": "Private"}}),
        set(),
    ),
    "fail_azure_as_the_components_ship_it": (aks_cluster(), {NOT_CONFIGURED}),
    "fail_azure_kms_disabled": (
        changed(aks_cluster(), {KMS: {"enabled": False, "keyId": VAULT_KEY}}),
        {NOT_CONFIGURED},
    ),
    "fail_azure_kms_without_key": (changed(aks_cluster(), {KMS: {"enabled": True}}), {NOT_CONFIGURED}),
}


@pytest.mark.parametrize(("subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, {})
    assert messages == expected
    assert status == ("fail" if expected else "pass")


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_advisory_until_the_azure_components_enable_kms(env: str) -> None:
    assert json.loads((CONFIG_DIR / f"{env}.json").read_text())[RULE.name] == "advisory"


def test_unknown_flag_is_not_a_failure() -> None:
    subject = changed(aks_cluster(), {KMS: {"enabled": U_BOOL, "keyId": VAULT_KEY}})
    assert verdict(RULE, subject, {}) == ("unknown", set())
