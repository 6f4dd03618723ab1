"""The Kubernetes provider every cluster-layer resource is created through, built from the
cluster's own outputs (its kubeconfig, which authenticates with the cloud's short-lived
tokens: `aws eks get-token`, `gke-gcloud-auth-plugin`, kubelogin).

`cluster_identifier` is the cluster's name: without it, any change of the kubeconfig (a new
CA, a moved endpoint) would replace the provider and with it every object in the cluster;
with it, the provider is replaced only when the cluster is
(https://www.pulumi.com/registry/packages/kubernetes/api-docs/provider/#clusteridentifier_python)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s


def cluster_provider(
    name: str, *, kubeconfig: pulumi.Input[str], cluster_name: pulumi.Input[str], parent: pulumi.Resource
) -> k8s.Provider:
    return k8s.Provider(
        name,
        k8s.ProviderArgs(
            kubeconfig=kubeconfig,
            cluster_identifier=cluster_name,
            enable_server_side_apply=True,
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
