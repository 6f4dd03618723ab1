"""Kubernetes labels of a GPU pool's nodes, the same on every cloud: the blueprint's own
labels, then the platform's (which win): `mlplat/*` and the GPU runtime's (who advertises the
GPUs, components/kubernetes/pools.py). A cloud adds its own in its gpu_node_pool.py."""

from __future__ import annotations

from blueprint.catalog import Cloud
from blueprint.model import GpuPool
from components.kubernetes.pools import runtime_labels


def node_labels(pool: GpuPool, cloud: Cloud) -> dict[str, str]:
    return {
        **pool.labels,
        "mlplat/pool": pool.name,
        "mlplat/workload": pool.workload,
        "mlplat/accelerator": pool.accelerator,
        "mlplat/capacity": pool.capacity,
        **runtime_labels(cloud, pool),
    }
