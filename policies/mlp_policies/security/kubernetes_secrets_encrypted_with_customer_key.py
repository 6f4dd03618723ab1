"""MLP-015: Kubernetes secrets are envelope-encrypted in etcd with a customer-managed key.

- EKS: an `encryptionConfig` whose resources include `secrets`, with a KMS key
  (`provider.keyArn`).
- GKE: `databaseEncryption.state` ENCRYPTED with a Cloud KMS key (`keyName`).

AKS is judged by its own policy, MLP-029 `aks-secrets-encrypted-with-customer-key`, so that
its enforcement level can differ: CrossGuard reports a policy's violations at one level for
every resource, and the Azure components do not enable KMS etcd encryption yet
(components/azure/cluster.py), so that verdict is advisory while this one is mandatory.
"""

from __future__ import annotations

from mlp_policies.clusters import EKS, GKE
from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail
from mlp_policies.values import strings


def _eks(cluster: Resource) -> Outcome:
    config = cluster.get("encryptionConfig", default={})
    configs = config if isinstance(config, list) else [config]  # a list in pulumi-aws < 7
    for c in configs:
        if "secrets" in strings(c.get("resources")) and (c.get("provider") or {}).get("keyArn"):
            return PASS
    return fail(f"cluster {cluster.name} does not encrypt Kubernetes secrets with a KMS key (encryptionConfig)")


def _gke(cluster: Resource) -> Outcome:
    state = cluster.get("databaseEncryption", "state", default="DECRYPTED")
    if state != "ENCRYPTED" or not cluster.get("databaseEncryption", "keyName"):
        return fail(
            f"cluster {cluster.name} does not encrypt Kubernetes secrets with a Cloud KMS key "
            f"(databaseEncryption is {state})"
        )
    return PASS


def check(resource: Resource, config: Config) -> Outcome:
    return _eks(resource) if resource.type == EKS else _gke(resource)


RULE = ResourceRule(
    id="MLP-015",
    name="kubernetes-secrets-encrypted-with-customer-key",
    description="Kubernetes secrets are encrypted in etcd with a customer-managed key (EKS encryption config, "
    "GKE application-layer secrets encryption); AKS is MLP-029.",
    severity="high",
    resource_types=frozenset({EKS, GKE}),
    remediation=(
        "Create clusters with the cluster components, which encrypt secrets with the platform key. Hand-written "
        "clusters need encryptionConfig {resources: [secrets], provider.keyArn} (EKS) or databaseEncryption "
        "{state: ENCRYPTED, keyName} (GKE)."
    ),
    equivalents=("CKV_AWS_58",),
    check=check,
)
