"""MLP-029: AKS encrypts Kubernetes secrets in etcd with a customer-managed Key Vault key
(KMS etcd encryption: `securityProfile.azureKeyVaultKms` enabled with a `keyId`).

The AKS half of MLP-015, a policy of its own so that its level can differ from EKS's and
GKE's: the Azure components do not enable KMS etcd encryption (components/azure/cluster.py:
it needs API server VNet integration to reach the firewalled vault), so AKS secrets are
encrypted with platform-managed keys only. The policy is advisory (its default and in every
shipped config), which reports that honestly on every Azure stack without blocking it; make it
mandatory once the component enables KMS.
"""

from __future__ import annotations

from mlp_policies.clusters import AKS
from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail
from mlp_policies.values import as_bool


def check(resource: Resource, config: Config) -> Outcome:
    kms = resource.get("securityProfile", "azureKeyVaultKms", default={})
    if as_bool(kms.get("enabled")) is not True or not kms.get("keyId"):
        return fail(
            f"cluster {resource.name}: AKS etcd KMS encryption is not configured "
            "(securityProfile.azureKeyVaultKms), so Kubernetes secrets are encrypted with platform-managed keys only"
        )
    return PASS


RULE = ResourceRule(
    id="MLP-029",
    name="aks-secrets-encrypted-with-customer-key",
    description="AKS encrypts Kubernetes secrets in etcd with a customer-managed Key Vault key (KMS etcd "
    "encryption); the AKS part of MLP-015.",
    severity="high",
    enforcement="advisory",  # until components/azure/cluster.py enables KMS etcd encryption
    resource_types=frozenset({AKS}),
    remediation=(
        "Enable securityProfile.azureKeyVaultKms {enabled, keyId, keyVaultNetworkAccess} on the managed cluster "
        "(with a private vault this needs API server VNet integration). The Azure cluster component does not do this "
        "yet; this policy stays advisory in policies/config/*.json until it does."
    ),
    check=check,
)
