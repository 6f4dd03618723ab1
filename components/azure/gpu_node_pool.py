"""A GPU node pool: an AKS agent pool in User mode on the catalog's GPU VM size, autoscaled
between min and max (the cluster autoscaler owns the current count, and scales from zero on
its own: AKS knows each pool's VM size), Spot with eviction Delete and no price cap where
the blueprint says spot, tainted so only GPU workloads land, with the NVIDIA driver installed
by AKS. Nodes have no public IP; OS disks are managed disks encrypted through the cluster's
disk encryption set.

The NVIDIA device plugin (or the GPU operator with its driver off) is installed in-cluster."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import containerservice

from blueprint.model import GpuPool, Taint
from components.azure.placement import Placement
from components.azure.sdk import resource_kwargs
from components.common.node_labels import node_labels

# AKS adds this taint to every Spot pool itself; declaring it keeps the program and the pool in
# agreement (an update without it would be rejected or undone).
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
SPOT_MAX_PRICE_ON_DEMAND = -1.0  # pay up to the on-demand price: evicted for capacity, never for price


@dataclass(frozen=True, kw_only=True)
class GpuNodePoolArgs:
    pool: GpuPool
    placement: Placement
    cluster_name: pulumi.Input[str]
    agent_pool_name: str
    subnet_id: pulumi.Input[str]


def spot_taints(pool: GpuPool) -> tuple[Taint, ...]:
    """The taint AKS puts on a Spot pool's nodes, as the cluster layer must tolerate it."""
    key, rest = SPOT_TAINT.split("=", 1)
    value, effect = rest.split(":")
    return (Taint(key=key, value=value, effect="NoSchedule"),) if pool.capacity == "spot" and effect else ()


def node_taints(pool: GpuPool) -> list[str]:
    taints = [f"{t.key}={t.value}:{t.effect}" if t.value else f"{t.key}:{t.effect}" for t in pool.taints]
    if pool.capacity == "spot" and SPOT_TAINT not in taints:
        taints.append(SPOT_TAINT)
    return taints


class GpuNodePool(pulumi.ComponentResource):
    agent_pool: containerservice.AgentPool

    def __init__(self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:azure:GpuNodePool", name, None, opts)
        pool = args.pool
        spot = pool.capacity == "spot"
        self.agent_pool = containerservice.AgentPool(
            f"{name}-pool",
            **resource_kwargs(
                containerservice.AgentPoolArgs(
                    resource_group_name=args.placement.resource_group_name,
                    resource_name=args.cluster_name,
                    agent_pool_name=args.agent_pool_name,
                    mode=containerservice.AgentPoolMode.USER,
                    type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
                    vm_size=pool.instance_type,
                    enable_auto_scaling=True,
                    min_count=pool.min_nodes,
                    max_count=pool.max_nodes,
                    count=pool.min_nodes,
                    scale_set_priority=containerservice.ScaleSetPriority.SPOT
                    if spot
                    else containerservice.ScaleSetPriority.REGULAR,
                    scale_set_eviction_policy=containerservice.ScaleSetEvictionPolicy.DELETE if spot else None,
                    spot_max_price=SPOT_MAX_PRICE_ON_DEMAND if spot else None,
                    node_taints=node_taints(pool),
                    node_labels=node_labels(pool, "azure"),
                    gpu_profile=containerservice.GPUProfileArgs(driver=containerservice.GPUDriver.INSTALL),
                    os_type=containerservice.OSType.LINUX,
                    os_sku=containerservice.OSSKU.UBUNTU,
                    os_disk_type=containerservice.OSDiskType.MANAGED,
                    os_disk_size_gb=pool.disk_size_gib,
                    vnet_subnet_id=args.subnet_id,
                    enable_node_public_ip=False,
                )
            ),
            # The cluster autoscaler owns the current count; Pulumi owns the bounds.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"]),
        )
        self.register_outputs({"agentPoolName": self.agent_pool.name})
