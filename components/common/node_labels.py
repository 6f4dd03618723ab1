"""Kubernetes labels of a GPU pool's nodes, the same on every cloud: the blueprint's own
labels, then the platform's (which win): `mlplat/*`, the GPU runtime's (who advertises the
GPUs, components/kubernetes/pools.py), and on AWS the label the Cluster Autoscaler reads to
wait for a new node's GPUs (components/aws/cluster_autoscaler.py)."""

from __future__ import annotations

from blueprint.catalog import Cloud
from blueprint.model import GpuPool
from components.kubernetes.pools import runtime_labels

AWS_GPU_LABEL = "k8s.amazonaws.com/accelerator"  # cluster-autoscaler's AWS GPULabel


def node_labels(pool: GpuPool, cloud: Cloud) -> dict[str, str]:
    labels = {
        **pool.labels,
        "mlplat/pool": pool.name,
        "mlplat/workload": pool.workload,
        "mlplat/accelerator": pool.accelerator,
        "mlplat/capacity": pool.capacity,
        **runtime_labels(cloud, pool),
    }
    if cloud == "aws":
        labels[AWS_GPU_LABEL] = pool.accelerator
    return labels
