"""Kubernetes labels of a GPU pool's nodes, the same on every cloud: the blueprint's own
labels, then the platform's `mlplat/*` labels (which win)."""

from __future__ import annotations

from blueprint.model import GpuPool


def node_labels(pool: GpuPool) -> dict[str, str]:
    return {
        **pool.labels,
        "mlplat/pool": pool.name,
        "mlplat/workload": pool.workload,
        "mlplat/accelerator": pool.accelerator,
        "mlplat/capacity": pool.capacity,
    }
