"""MLP-016: cluster API endpoints are private in prod, and never open to the internet.

With `requirePrivateEndpoint` (prod):
- EKS: `vpcConfig.endpointPublicAccess` false (private endpoint only).
- GKE: `privateClusterConfig.enablePrivateEndpoint` true (or the IP endpoint's public access
  off in `controlPlaneEndpointsConfig`). A DNS endpoint open to external traffic is allowed
  only while it takes IAM-authorized requests alone: Kubernetes client certificates and
  service-account tokens over it (`enableK8sCertsViaDns`, `enableK8sTokensViaDns`) stay off, so
  every request is checked against IAM (`container.clusters.connect`) before Kubernetes sees it
  (https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation#dns-based_endpoint).
- AKS: `apiServerAccessProfile.enablePrivateCluster` true.

Without it (dev, staging) a public endpoint is allowed when limited to known networks:
- EKS: `publicAccessCidrs` set (the default is 0.0.0.0/0) with no range wider than /8.
- GKE: master authorized networks on, with no range wider than /8.
- AKS: `authorizedIPRanges` set, with no range wider than /8.

Always, GKE nodes are private (`privateClusterConfig.enablePrivateNodes`): nodes with public
addresses expose the kubelet and node ports whatever the endpoint says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlp_policies.clusters import AKS, EKS, GKE, open_to_internet
from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail
from mlp_policies.values import as_bool, strings

MAN = "masterAuthorizedNetworksConfig"


def _limited(cluster: Resource, cidrs: list[str], what: str) -> list[str]:
    if not cidrs:
        return [f"cluster {cluster.name} has a public API endpoint open to the internet (no {what})"]
    wide = open_to_internet(cidrs)
    if wide:
        return [f"cluster {cluster.name} has a public API endpoint open to {', '.join(wide)} ({what})"]
    return []


def _eks(cluster: Resource, private: bool) -> list[str]:
    if as_bool(cluster.get("vpcConfig", "endpointPublicAccess", default=True)) is False:
        return []
    if private:
        return [f"cluster {cluster.name} has a public API endpoint (vpcConfig.endpointPublicAccess); prod needs it off"]
    return _limited(cluster, strings(cluster.get("vpcConfig", "publicAccessCidrs", default=[])), "publicAccessCidrs")


def _gke_public_endpoint(cluster: Resource) -> bool:
    if as_bool(cluster.get("privateClusterConfig", "enablePrivateEndpoint")) is True:
        return False
    ip: Mapping[str, Any] = cluster.get("controlPlaneEndpointsConfig", "ipEndpointsConfig", default={})
    return not (as_bool(ip.get("enabled")) is False or as_bool(ip.get("enablePublicEndpoint")) is False)


def _gke(cluster: Resource, private: bool) -> list[str]:
    messages = []
    if as_bool(cluster.get("privateClusterConfig", "enablePrivateNodes")) is not True:
        messages.append(f"cluster {cluster.name} has public nodes (privateClusterConfig.enablePrivateNodes is off)")
    dns: Mapping[str, Any] = cluster.get("controlPlaneEndpointsConfig", "dnsEndpointConfig", default={})
    if private and as_bool(dns.get("allowExternalTraffic")) is True:
        bypass = [key for key in ("enableK8sCertsViaDns", "enableK8sTokensViaDns") if as_bool(dns.get(key)) is True]
        if bypass:
            messages.append(
                f"cluster {cluster.name} has a DNS API endpoint open to external traffic that accepts Kubernetes "
                f"credentials without IAM ({', '.join(bypass)}); prod needs them off"
            )
    if not _gke_public_endpoint(cluster):
        return messages
    if private:
        messages.append(
            f"cluster {cluster.name} has a public API endpoint (privateClusterConfig.enablePrivateEndpoint is off); "
            "prod needs it on"
        )
        return messages
    networks = cluster.get("masterAuthorizedNetworksConfig")
    if networks is None:  # authorized networks off: the endpoint accepts every address
        return [*messages, f"cluster {cluster.name} has a public API endpoint open to the internet (no {MAN})"]
    # Authorized networks on with no ranges admits no external address at all.
    blocks = strings([b.get("cidrBlock") for b in networks.get("cidrBlocks") or [] if isinstance(b, Mapping)])
    wide = open_to_internet(blocks)
    if as_bool(networks.get("gcpPublicCidrsAccessEnabled")) is True:
        wide.append("every Google Cloud public IP (gcpPublicCidrsAccessEnabled)")
    if wide:
        messages.append(f"cluster {cluster.name} has a public API endpoint open to {', '.join(wide)} ({MAN})")
    return messages


def _aks(cluster: Resource, private: bool) -> list[str]:
    access: Mapping[str, Any] = cluster.get("apiServerAccessProfile", default={})
    if as_bool(access.get("enablePrivateCluster")) is True:
        return []
    if private:
        return [f"cluster {cluster.name} has a public API server (apiServerAccessProfile.enablePrivateCluster is off)"]
    return _limited(cluster, strings(access.get("authorizedIPRanges")), "apiServerAccessProfile.authorizedIPRanges")


def check(resource: Resource, config: Config) -> Outcome:
    private = bool(config["requirePrivateEndpoint"])
    judge = {EKS: _eks, GKE: _gke, AKS: _aks}[resource.type]
    messages = judge(resource, private)
    return fail(*messages) if messages else PASS


RULE = ResourceRule(
    id="MLP-016",
    name="cluster-endpoints-private",
    description="Cluster API endpoints are private in prod (EKS public access off, GKE private endpoint, AKS "
    "private cluster) and elsewhere limited to known networks; GKE nodes are always private.",
    severity="high",
    resource_types=frozenset({EKS, GKE, AKS}),
    remediation=(
        "Set cluster.privateEndpoint: true in the blueprint (the cluster components make the endpoint private). "
        "Outside prod a public endpoint needs cluster.authorizedCidrs with specific ranges; set requirePrivateEndpoint "
        "in policies/config/<env>.json to decide per environment."
    ),
    equivalents=("CKV_AWS_39", "CKV_AWS_38", "CKV_GCP_25", "CKV_GCP_64", "CKV_GCP_20", "CKV_AZURE_115", "CKV_AZURE_6"),
    config={
        "requirePrivateEndpoint": {
            "type": "boolean",
            "default": True,
            "description": "Require private API endpoints (prod); when false, public endpoints limited to "
            "specific ranges pass.",
        },
    },
    check=check,
)
