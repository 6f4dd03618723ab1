"""MLP-016 cluster-endpoints-private on fixture properties of all three clouds, in prod
(private endpoint required) and dev (public endpoints limited to known networks)."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.clusters import open_to_internet
from mlp_policies.security.cluster_endpoints_private import RULE

from tests.policies.security.security_shapes import aks_cluster, eks_cluster, gke_cluster
from tests.policies.shapes import DELETE, U_BOOL, changed, env_config, verdict

PROD = env_config("prod", RULE)
DEV = env_config("dev", RULE)
EKS_PUBLIC = {"vpcConfig.endpointPublicAccess": True}
GKE_PUBLIC = {"privateClusterConfig.enablePrivateEndpoint": False}
AKS_PUBLIC = {"apiServerAccessProfile": {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.0/24"]}}
EKS_OPEN = "cluster cluster-eks has a public API endpoint open to the internet (no publicAccessCidrs)"

CASES: dict[str, tuple[Any, dict[str, Any], set[str]]] = {
    "pass_aws_private_in_prod": (eks_cluster(), PROD, set()),
    "pass_aws_cidr_limited_in_dev": (
        changed(eks_cluster(), {**EKS_PUBLIC, "vpcConfig.publicAccessCidrs": ["203.0.113.0/24"]}),
        DEV,
        set(),
    ),
    "fail_aws_public_in_prod": (
        changed(eks_cluster(), {**EKS_PUBLIC, "vpcConfig.publicAccessCidrs": ["203.0.113.0/24"]}),
        PROD,
        {"cluster cluster-eks has a public API endpoint (vpcConfig.endpointPublicAccess); prod needs it off"},
    ),
    "fail_aws_public_by_default_in_dev": (
        changed(eks_cluster(), {"vpcConfig.endpointPublicAccess": DELETE}),
        DEV,
        {EKS_OPEN},
    ),
    "fail_aws_open_to_the_world_in_dev": (
        changed(eks_cluster(), {**EKS_PUBLIC, "vpcConfig.publicAccessCidrs": ["0.0.0.0/0"]}),
        DEV,
        {"cluster cluster-eks has a public API endpoint open to 0.0.0.0/0 (publicAccessCidrs)"},
    ),
    "pass_gcp_private_nodes_and_endpoint_in_prod": (gke_cluster(), PROD, set()),
    "pass_gcp_public_endpoint_with_authorized_networks_in_dev": (changed(gke_cluster(), GKE_PUBLIC), DEV, set()),
    "pass_gcp_ip_endpoint_without_public_access_in_prod": (
        changed(
            gke_cluster(),
            {**GKE_PUBLIC, "controlPlaneEndpointsConfig": {"ipEndpointsConfig": {"enablePublicEndpoint": False}}},
        ),
        PROD,
        set(),
    ),
    "fail_gcp_public_endpoint_in_prod": (
        changed(gke_cluster(), GKE_PUBLIC),
        PROD,
        {
            "cluster cluster-gke has a public API endpoint (privateClusterConfig.enablePrivateEndpoint is off); prod "
            "needs it on"
        },
    ),
    # The DNS endpoint authorizes every request with IAM before Kubernetes sees it: reachable
    # from anywhere, it keeps the API server off the open internet, unless it also accepts
    # Kubernetes' own credentials.
    "pass_gcp_iam_only_dns_endpoint_in_prod": (
        changed(gke_cluster(), {"controlPlaneEndpointsConfig": {"dnsEndpointConfig": {"allowExternalTraffic": True}}}),
        PROD,
        set(),
    ),
    "fail_gcp_external_dns_endpoint_taking_kubernetes_tokens_in_prod": (
        changed(
            gke_cluster(),
            {
                "controlPlaneEndpointsConfig": {
                    "dnsEndpointConfig": {"allowExternalTraffic": True, "enableK8sTokensViaDns": True}
                }
            },
        ),
        PROD,
        {
            "cluster cluster-gke has a DNS API endpoint open to external traffic that accepts Kubernetes "
            "credentials without IAM (enableK8sTokensViaDns); prod needs them off"
        },
    ),
    "pass_gcp_external_dns_endpoint_taking_kubernetes_tokens_in_dev": (
        changed(
            gke_cluster(),
            {
                "controlPlaneEndpointsConfig": {
                    "dnsEndpointConfig": {"allowExternalTraffic": True, "enableK8sCertsViaDns": True}
                }
            },
        ),
        DEV,
        set(),
    ),
    "fail_gcp_public_nodes_and_no_authorized_networks_in_dev": (
        changed(
            gke_cluster(),
            {"privateClusterConfig": {"enablePrivateNodes": False}, "masterAuthorizedNetworksConfig": DELETE},
        ),
        DEV,
        {
            "cluster cluster-gke has public nodes (privateClusterConfig.enablePrivateNodes is off)",
            "cluster cluster-gke has a public API endpoint open to the internet (no masterAuthorizedNetworksConfig)",
        },
    ),
    "fail_gcp_split_world_and_google_ips_in_dev": (
        changed(
            gke_cluster(),
            {
                **GKE_PUBLIC,
                "masterAuthorizedNetworksConfig": {
                    "cidrBlocks": [{"cidrBlock": "0.0.0.0/1"}, {"cidrBlock": "128.0.0.0/1"}],
                    "gcpPublicCidrsAccessEnabled": True,
                },
            },
        ),
        DEV,
        {
            "cluster cluster-gke has a public API endpoint open to 0.0.0.0/1, 128.0.0.0/1, every Google Cloud public "
            "IP "
            "(gcpPublicCidrsAccessEnabled) (masterAuthorizedNetworksConfig)"
        },
    ),
    "pass_azure_private_cluster_in_prod": (aks_cluster(), PROD, set()),
    "pass_azure_authorized_ranges_in_dev": (changed(aks_cluster(), AKS_PUBLIC), DEV, set()),
    "fail_azure_public_in_prod": (
        changed(aks_cluster(), AKS_PUBLIC),
        PROD,
        {"cluster cluster-aks has a public API server (apiServerAccessProfile.enablePrivateCluster is off)"},
    ),
    "fail_azure_unrestricted_in_dev": (
        changed(aks_cluster(), {"apiServerAccessProfile": DELETE}),
        DEV,
        {
            "cluster cluster-aks has a public API endpoint open to the internet (no "
            "apiServerAccessProfile.authorizedIPRanges)"
        },
    ),
}


@pytest.mark.parametrize(("subject", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, config: dict[str, Any], expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, config)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_prod_requires_private_endpoints_and_dev_does_not() -> None:
    assert PROD == {"requirePrivateEndpoint": True}
    assert DEV == {"requirePrivateEndpoint": False}


def test_wide_ranges() -> None:
    cidrs = ["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/7", "::/0", "2001:db8::/32", "1.2.3.4", "not-a-cidr"]
    assert open_to_internet(cidrs) == ["0.0.0.0/0", "10.0.0.0/7", "::/0", "not-a-cidr"]


def test_unknown_access_is_not_a_failure() -> None:
    subject = changed(eks_cluster(), {"vpcConfig.endpointPublicAccess": U_BOOL})
    assert verdict(RULE, subject, PROD) == ("unknown", set())
