"""The GPU runtime: NVIDIA's device plugin, the DaemonSet that advertises `nvidia.com/gpu` on
a node (without it the scheduler never places a GPU pod, drivers or not).

It runs only on pools whose image lacks one (GKE and Bottlerocket bring their own;
pools.builtin_gpu_runtime): every GPU pool is labelled with who advertises its GPUs
(`mlplat/gpu-runtime`), and the DaemonSet's affinity selects `nvidia-device-plugin` there, so
a pool never gets two. It tolerates every taint of those pools, by key and effect.

Why the device plugin and not the GPU operator: the node images already install the drivers
(AL2023 NVIDIA AMI, AKS `gpuProfile.driver: Install`) and the container toolkit, so the
operator's driver and toolkit containers would fight the image's; what remains is the plugin.
docs/architecture.md weighs NVIDIA's AI Cluster Runtime recipes too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.kubernetes.charts import helm_release
from components.kubernetes.pools import DEVICE_PLUGIN, RUNTIME_LABEL, PoolFacts, tolerations

CHART = "nvidia-device-plugin"


def device_plugin_values(pools: Sequence[PoolFacts]) -> dict[str, Any]:
    """Values of the device plugin chart for the pools that need it."""
    taints = [t for p in pools if p.builtin_runtime is None for t in p.taints]
    return {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": RUNTIME_LABEL, "operator": "In", "values": [DEVICE_PLUGIN]}]}
                    ]
                }
            }
        },
        "tolerations": tolerations(taints),
        "priorityClassName": "system-node-critical",
        # GPU feature discovery (and the node-feature-discovery it pulls in) labels nodes with
        # GPU models; our pools are labelled by the platform already.
        "gfd": {"enabled": False},
        "nfd": {"enabled": False},
    }


@dataclass(frozen=True, kw_only=True)
class GpuRuntimeArgs:
    pools: tuple[PoolFacts, ...]
    depends_on: tuple[pulumi.Resource, ...] = ()


class GpuRuntime(pulumi.ComponentResource):
    """The device plugin release, or nothing when every pool brings its own runtime."""

    def __init__(self, name: str, args: GpuRuntimeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:kubernetes:GpuRuntime", name, None, opts)
        needs_plugin = [p for p in args.pools if p.builtin_runtime is None]
        self.release = (
            helm_release(
                f"{name}-device-plugin",
                CHART,
                values=device_plugin_values(needs_plugin),
                parent=self,
                depends_on=args.depends_on,
            )
            if needs_plugin
            else None
        )
        self.register_outputs({"devicePlugin": self.release.status if self.release else None})
