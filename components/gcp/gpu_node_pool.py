"""A GPU node pool: GKE node pool on the catalog's machine type with its GPUs attached as
guest accelerators and the NVIDIA driver installed by GKE; spot or on-demand; scaling between
the blueprint's total min and max (GKE's autoscaler scales up from zero on its own: it knows
each pool's shape), any zone with capacity (`location_policy` ANY: fewer stock-outs and spot
preemptions) among the region's zones that carry the pool's GPU (the catalog's `gcpGpuZones`:
a regional pool fails to create if one of its zones lacks the accelerator); tainted so only GPU
workloads land; the secure node shape of `node_config`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from blueprint.catalog import MachineType, load_catalog
from blueprint.model import GpuPool
from components.common.node_labels import node_labels
from components.gcp.node_config import initial_nodes_per_zone, secure_node_config

GPU_DRIVER_VERSION = "DEFAULT"  # the driver GKE tests with the node version; LATEST is opt-in


@dataclass(frozen=True, kw_only=True)
class GpuNodePoolArgs:
    pool: GpuPool
    cluster_id: pulumi.Input[str]
    region: str
    node_service_account: pulumi.Input[str]
    key_id: pulumi.Input[str]
    depends_on: Sequence[pulumi.Resource] = ()  # the GKE, Compute Engine and Artifact Registry APIs


def gpu_machine(pool: GpuPool) -> MachineType:
    machine = load_catalog().gpu_machine(pool.accelerator, "gcp", pool.accelerator_count)
    if machine is None or machine.accelerator_type is None:
        raise ValueError(
            f"gpuPools[{pool.name}]: {pool.accelerator} x{pool.accelerator_count} is not in the GCP catalog"
        )
    return machine


def node_locations(pool: GpuPool, region: str) -> list[str] | None:
    """The zones of `region` that carry the pool's GPU, sorted. None when the catalog has no zone
    data for the pair (or lists none, which validation rejects first): the pool then keeps the
    cluster's default zones."""
    zones = load_catalog().gpu_zones(str(gpu_machine(pool).accelerator_type), region)
    return list(zones) if zones else None


class GpuNodePool(pulumi.ComponentResource):
    node_pool: gcp.container.NodePool

    def __init__(self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        pool = args.pool
        machine = gpu_machine(pool)
        zones = node_locations(pool, args.region)
        super().__init__("mlplat:gcp:GpuNodePool", name, None, opts)
        accelerator = gcp.container.NodePoolNodeConfigGuestAcceleratorArgs(
            type=str(machine.accelerator_type),
            count=machine.gpus,
            gpu_driver_installation_config=gcp.container.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs(
                gpu_driver_version=GPU_DRIVER_VERSION
            ),
        )
        self.node_pool = gcp.container.NodePool(
            f"{name}-np",
            gcp.container.NodePoolArgs(
                cluster=args.cluster_id,
                location=args.region,
                node_locations=zones,
                # Start at the minimum: the autoscaler does not scale up to a minimum on its own.
                # The start count is per zone, so enough zones' worth of the pool's zones
                # (0 stays 0; the autoscaler trims any excess above the minimum).
                initial_node_count=initial_nodes_per_zone(pool.min_nodes, len(zones) if zones else None),
                autoscaling=gcp.container.NodePoolAutoscalingArgs(
                    total_min_node_count=pool.min_nodes,
                    total_max_node_count=pool.max_nodes,
                    location_policy="ANY",
                ),
                management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
                # Upgrade in place, one node at a time: no surge node, so no extra GPU quota.
                upgrade_settings=gcp.container.NodePoolUpgradeSettingsArgs(max_surge=0, max_unavailable=1),
                node_config=secure_node_config(
                    machine_type=machine.name,
                    service_account=args.node_service_account,
                    key_id=args.key_id,
                    disk_size_gib=pool.disk_size_gib,
                    labels=node_labels(pool, "gcp"),
                    taints=pool.taints,
                    spot=pool.capacity == "spot",
                    guest_accelerators=[accelerator],
                ),
            ),
            # Changing min later must not replace the pool; the autoscaler owns the size.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.depends_on), ignore_changes=["initialNodeCount"]
            ),
        )
        self.register_outputs({"nodePoolName": self.node_pool.name})
