"""What the cluster layer needs to know of a GPU pool, as plain data from the cloud's platform:
its node selector, the taints its nodes really carry (the cloud's own included, such as AKS's
spot taint), its capacity, and whether the node image brings the NVIDIA device plugin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from blueprint.catalog import Cloud, load_catalog
from blueprint.model import GpuPool, Taint

POOL_LABEL = "mlplat/pool"
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"  # on every GPU pool; what our device plugin selects with
RUNTIME_LABEL = "mlplat/gpu-runtime"  # who advertises nvidia.com/gpu on the node
DEVICE_PLUGIN = "nvidia-device-plugin"  # ours (components/kubernetes/gpu_runtime.py)
GPU_RESOURCE = "nvidia.com/gpu"


def builtin_gpu_runtime(cloud: Cloud, pool: GpuPool) -> str | None:
    """The device plugin the node image or the service installs itself, or None when ours must.
    GKE installs the device plugin on every GPU node
    (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#install-drivers); Bottlerocket's
    NVIDIA variants ship it in the OS (https://bottlerocket.dev/en/os/latest/#/concepts/variants/);
    the EKS AL2023 NVIDIA AMI and AKS's driver install bring drivers only."""
    if cloud == "gcp":
        return "gke"
    if cloud == "aws" and pool.node_image == "bottlerocket":
        return "bottlerocket"
    return None


def runtime_labels(cloud: Cloud, pool: GpuPool) -> dict[str, str]:
    """The labels every GPU pool's nodes get for the runtime: present, and whose it is."""
    return {GPU_PRESENT_LABEL: "true", RUNTIME_LABEL: builtin_gpu_runtime(cloud, pool) or DEVICE_PLUGIN}


@dataclass(frozen=True, kw_only=True)
class PoolFacts:
    name: str
    accelerator_count: int  # GPUs per node
    max_nodes: int
    vcpus: int  # per node
    memory_gib: float  # per node
    taints: tuple[Taint, ...]  # every taint the nodes carry
    capacity: str  # spot | on-demand
    builtin_runtime: str | None

    @property
    def max_gpus(self) -> int:
        return self.max_nodes * self.accelerator_count

    @property
    def node_selector(self) -> dict[str, str]:
        return {POOL_LABEL: self.name}


def pool_facts(cloud: Cloud, pool: GpuPool, extra_taints: Sequence[Taint] = ()) -> PoolFacts:
    machine = load_catalog().machine(cloud, pool.instance_type)
    vcpus = machine.vcpus if machine else 0
    memory = machine.memory_gib if machine else 0.0
    return PoolFacts(
        name=pool.name,
        accelerator_count=pool.accelerator_count,
        max_nodes=pool.max_nodes,
        vcpus=vcpus,
        memory_gib=memory,
        taints=tuple(dict.fromkeys((*pool.taints, *extra_taints))),
        capacity=pool.capacity,
        builtin_runtime=builtin_gpu_runtime(cloud, pool),
    )


def tolerations(taints: Sequence[Taint]) -> list[dict[str, Any]]:
    """Tolerations covering each taint by key and effect, whatever its value (GKE rewrites the
    nvidia.com/gpu taint's value to `present`)."""
    unique = dict.fromkeys((t.key, t.effect) for t in taints)
    return [{"key": key, "operator": "Exists", "effect": effect} for key, effect in unique]


# Where the layer's controllers run: the on-demand system pool of every cloud (labelled so by
# each cluster.py), tolerating AKS's CriticalAddonsOnly taint there.
SYSTEM_NODE_SELECTOR = {POOL_LABEL: "system"}
SYSTEM_TOLERATIONS = [{"key": "CriticalAddonsOnly", "operator": "Exists"}]
