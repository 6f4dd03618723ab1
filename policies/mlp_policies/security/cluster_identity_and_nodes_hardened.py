"""MLP-018: clusters authenticate workloads and users through the cloud's identity, and nodes
boot verified.

- EKS: access entries only (`accessConfig.authenticationMode` API, no `aws-auth` ConfigMap),
  and the cluster creator not bootstrapped as admin
  (`accessConfig.bootstrapClusterCreatorAdminPermissions` false; EKS defaults it to true): an
  admin entry made outside the program for whichever identity ran the first deployment.
- GKE cluster: Workload Identity on (`workloadIdentityConfig.workloadPool`), shielded nodes not
  turned off (`enableShieldedNodes`, on by default), legacy ABAC off; its `nodeConfig`, when
  set, as for node pools.
- GKE node pool: secure boot (`nodeConfig.shieldedInstanceConfig.enableSecureBoot`, off by
  default) and the GKE metadata server (`workloadMetadataConfig.mode` GKE_METADATA), which
  hides the node's credentials from pods.
- AKS: Kubernetes RBAC not turned off (`enableRBAC`, on by default), local accounts off
  (`disableLocalAccounts`: no static admin kubeconfig), and a network policy engine
  (`networkProfile.networkPolicy` azure, calico or cilium).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlp_policies.clusters import AKS, EKS, GKE, GKE_NODE_POOL
from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail
from mlp_policies.values import as_bool

NETWORK_POLICIES = ("azure", "calico", "cilium")


def _node_config(where: str, node: Mapping[str, Any]) -> list[str]:
    messages = []
    if as_bool((node.get("shieldedInstanceConfig") or {}).get("enableSecureBoot")) is not True:
        messages.append(f"{where}: nodes boot without secure boot (shieldedInstanceConfig.enableSecureBoot)")
    mode = (node.get("workloadMetadataConfig") or {}).get("mode")
    if mode != "GKE_METADATA":
        messages.append(
            f"{where}: pods can reach the node's metadata and credentials (workloadMetadataConfig.mode is "
            f"{mode or 'unset'}, not GKE_METADATA)"
        )
    return messages


def _gke(cluster: Resource) -> list[str]:
    messages = []
    if not cluster.get("workloadIdentityConfig", "workloadPool"):
        messages.append(f"cluster {cluster.name} has Workload Identity off (workloadIdentityConfig.workloadPool)")
    if as_bool(cluster.get("enableShieldedNodes")) is False:
        messages.append(f"cluster {cluster.name} has shielded nodes off (enableShieldedNodes)")
    if as_bool(cluster.get("enableLegacyAbac")) is True:
        messages.append(f"cluster {cluster.name} has legacy ABAC on, which bypasses Kubernetes RBAC")
    node = cluster.get("nodeConfig")
    if isinstance(node, Mapping) and node:
        messages += _node_config(f"cluster {cluster.name}", node)
    return messages


def _eks(cluster: Resource) -> list[str]:
    messages = []
    mode = cluster.get("accessConfig", "authenticationMode")
    if mode != "API":
        messages.append(
            f"cluster {cluster.name} grants access through the aws-auth ConfigMap "
            f"(accessConfig.authenticationMode is {mode or 'unset'}, not API)"
        )
    if as_bool(cluster.get("accessConfig", "bootstrapClusterCreatorAdminPermissions")) is not False:
        messages.append(
            f"cluster {cluster.name} makes its creator an admin outside the program "
            "(accessConfig.bootstrapClusterCreatorAdminPermissions is not false)"
        )
    return messages


def _aks(cluster: Resource) -> list[str]:
    messages = []
    if as_bool(cluster.get("enableRBAC")) is False:
        messages.append(f"cluster {cluster.name} has Kubernetes RBAC off (enableRBAC)")
    if as_bool(cluster.get("disableLocalAccounts")) is not True:
        messages.append(f"cluster {cluster.name} has local accounts (disableLocalAccounts is off)")
    policy = cluster.get("networkProfile", "networkPolicy", default="none")
    if str(policy).lower() not in NETWORK_POLICIES:
        messages.append(f"cluster {cluster.name} enforces no network policies (networkProfile.networkPolicy {policy})")
    return messages


def check(resource: Resource, config: Config) -> Outcome:
    if resource.type == EKS:
        messages = _eks(resource)
    elif resource.type == GKE:
        messages = _gke(resource)
    elif resource.type == GKE_NODE_POOL:
        messages = _node_config(f"node pool {resource.name}", resource.get("nodeConfig", default={}))
    else:
        messages = _aks(resource)
    return fail(*messages) if messages else PASS


RULE = ResourceRule(
    id="MLP-018",
    name="cluster-identity-and-nodes-hardened",
    description="EKS grants access only through access entries, none to its creator; GKE uses Workload Identity "
    "and shielded nodes with secure boot; AKS uses RBAC with local accounts off and a network policy.",
    severity="high",
    resource_types=frozenset({EKS, GKE, GKE_NODE_POOL, AKS}),
    remediation=(
        "Create clusters and pools with the cluster and GPU pool components, which set all of these; list EKS "
        "admins in aws.clusterAdmins. Hand-written EKS clusters need accessConfig.authenticationMode API and "
        "bootstrapClusterCreatorAdminPermissions false; "
        "GKE clusters need workloadIdentityConfig and node pools shieldedInstanceConfig.enableSecureBoot and "
        "workloadMetadataConfig.mode GKE_METADATA; AKS clusters need enableRBAC, disableLocalAccounts and "
        "networkProfile.networkPolicy."
    ),
    equivalents=("CKV_GCP_69", "CKV_GCP_68", "CKV_GCP_71", "CKV_AZURE_5", "CKV_AZURE_141", "CKV_AZURE_7"),
    check=check,
)
