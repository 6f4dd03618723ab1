"""The Kubernetes Cluster Autoscaler on EKS: EKS does not scale managed node groups by
itself, so without it a pool at minimum 0 never starts and a busy pool never grows.

- Runs as `kube-system/cluster-autoscaler` on the system pool, with the Pod Identity role of
  iam.autoscaler_policy (so the chart creates no IRSA annotation and the node role grants nothing).
- Finds the node groups by the tags EKS puts on their ASGs (`k8s.io/cluster-autoscaler/enabled`
  and `k8s.io/cluster-autoscaler/<cluster>`), and scales from zero with the node-template tags
  gpu_node_pool.autoscaler_tags writes (labels, taints, `nvidia.com/gpu`).
- GPU nodes carry `k8s.amazonaws.com/accelerator` from their first boot, so the autoscaler
  treats a new GPU node as not ready until its GPUs register instead of adding more nodes
  (cluster-autoscaler/cloudprovider/aws/README.md, "Special note on GPU instances").
- least-waste expander (the chart's `price` expander works only on GCE), similar pools
  balanced, and idle nodes removed after 10 minutes (10 minutes after a scale-up), GPU nodes
  included, so an idle GPU bills for minutes, not hours.
- Its image follows the cluster's Kubernetes minor: the autoscaler supports only the minor it
  was built for (catalog: clusterAutoscalerImages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from blueprint.catalog import cluster_autoscaler_images
from components.aws.iam import AUTOSCALER_SERVICE_ACCOUNT
from components.kubernetes.charts import helm_release
from components.kubernetes.pools import SYSTEM_NODE_SELECTOR, SYSTEM_TOLERATIONS

CHART = "cluster-autoscaler"
SCALE_DOWN_AFTER = "10m"


def autoscaler_values(*, cluster_name: str, region: str, kubernetes_version: str) -> dict[str, Any]:
    images = cluster_autoscaler_images()
    if kubernetes_version not in images:
        raise ValueError(
            f"cluster.kubernetesVersion {kubernetes_version}: no Cluster Autoscaler image in the catalog "
            f"(blueprint/data/charts.yaml clusterAutoscalerImages has {', '.join(sorted(images))})"
        )
    return {
        "cloudProvider": "aws",
        "awsRegion": region,  # explicit: with IMDS hop limit 1 the pod cannot ask the node
        "autoDiscovery": {"clusterName": cluster_name},
        "rbac": {"serviceAccount": {"create": True, "name": AUTOSCALER_SERVICE_ACCOUNT}},
        "image": {"tag": images[kubernetes_version]},
        "nodeSelector": SYSTEM_NODE_SELECTOR,
        "tolerations": SYSTEM_TOLERATIONS,
        "priorityClassName": "system-cluster-critical",
        "extraArgs": {
            "expander": "least-waste",
            "balance-similar-node-groups": True,
            "skip-nodes-with-local-storage": False,
            "scale-down-unneeded-time": SCALE_DOWN_AFTER,
            "scale-down-delay-after-add": SCALE_DOWN_AFTER,
            "max-node-provision-time": "15m",
        },
    }


@dataclass(frozen=True, kw_only=True)
class ClusterAutoscalerArgs:
    cluster_name: pulumi.Input[str]
    region: str
    kubernetes_version: str
    provider: k8s.Provider
    depends_on: tuple[pulumi.Resource, ...] = ()  # its Pod Identity association, the system nodes


class ClusterAutoscaler(pulumi.ComponentResource):
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:ClusterAutoscaler", name, None, opts)
        values = pulumi.Output.from_input(args.cluster_name).apply(
            lambda cluster: autoscaler_values(
                cluster_name=cluster, region=args.region, kubernetes_version=args.kubernetes_version
            )
        )
        self.release = helm_release(f"{name}-release", CHART, values=values, parent=self, depends_on=args.depends_on)
        self.register_outputs({"release": self.release.status})
