"""The cluster layer, one component on every cloud: the Kubernetes provider from the
cluster's outputs, then the GPU runtime, the default StorageClass, tenancy, Kueue queues and,
when the blueprint asks, the distributed engine. What differs per cloud arrives as plain data
in `ClusterLayerArgs` from the cloud's platform.py (DESIGN.md, "Three layers")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from blueprint.catalog import load_charts
from blueprint.model import Workload
from components.kubernetes.distributed_engine import DistributedEngine, DistributedEngineArgs
from components.kubernetes.gpu_queues import GpuQueues, GpuQueuesArgs
from components.kubernetes.gpu_runtime import GpuRuntime, GpuRuntimeArgs
from components.kubernetes.pools import SYSTEM_NODE_SELECTOR, SYSTEM_TOLERATIONS, PoolFacts
from components.kubernetes.provider import cluster_provider
from components.kubernetes.tenancy import IdentityEndpoint, Tenancy, TenancyArgs

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


@dataclass(frozen=True, kw_only=True)
class StorageClassSpec:
    """The cluster's default StorageClass: the cloud's CSI provisioner with the platform key."""

    name: str
    provisioner: str
    parameters: Mapping[str, pulumi.Input[str]]
    volume_binding_mode: str = "WaitForFirstConsumer"  # disks live in one zone: bind where the pod lands


@dataclass(frozen=True, kw_only=True)
class ClusterLayerArgs:
    cluster_name: pulumi.Input[str]
    kubeconfig: pulumi.Input[str]
    pools: tuple[PoolFacts, ...]
    workloads: tuple[Workload, ...]
    distributed_engine: bool
    storage_class: StorageClassSpec
    service_account_annotations: Mapping[str, pulumi.Input[Mapping[str, pulumi.Input[str]]]] = field(
        default_factory=dict
    )
    identity_endpoints: tuple[IdentityEndpoint, ...] = ()
    # What must exist before anything is installed: the system nodes (controllers run there),
    # the deployer's cluster access, the storage driver.
    depends_on: tuple[pulumi.Resource, ...] = ()


def kueue_values() -> dict[str, Any]:
    """Kueue's controller on the system pool. Its default configuration already integrates
    batch Jobs, RayJob, RayCluster, JobSet and Kubeflow TrainJob (chart 0.19.2 values.yaml)."""
    return {"controllerManager": {"nodeSelector": SYSTEM_NODE_SELECTOR, "tolerations": SYSTEM_TOLERATIONS}}


class ClusterLayer(pulumi.ComponentResource):
    provider: k8s.Provider
    tenancy: Tenancy

    def __init__(self, name: str, args: ClusterLayerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:kubernetes:ClusterLayer", name, None, opts)
        self.provider = cluster_provider(
            f"{name}-provider", kubeconfig=args.kubeconfig, cluster_name=args.cluster_name, parent=self
        )
        inside = pulumi.ResourceOptions(parent=self, providers=[self.provider])
        ready = args.depends_on
        pools = {p.name: p for p in args.pools}
        GpuRuntime(f"{name}-gpu-runtime", GpuRuntimeArgs(pools=args.pools, depends_on=ready), opts=inside)
        sc = args.storage_class
        k8s.storage.v1.StorageClass(
            f"{name}-storage-class",
            k8s.storage.v1.StorageClassInitArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(name=sc.name, annotations={DEFAULT_CLASS_ANNOTATION: "true"}),
                provisioner=sc.provisioner,
                parameters=dict(sc.parameters),
                volume_binding_mode=sc.volume_binding_mode,
                allow_volume_expansion=True,
                reclaim_policy="Delete",
            ),
            opts=pulumi.ResourceOptions(parent=self, providers=[self.provider], depends_on=list(ready)),
        )
        self.tenancy = Tenancy(
            f"{name}-tenancy",
            TenancyArgs(
                workloads=args.workloads,
                pools=pools,
                service_account_annotations=args.service_account_annotations,
                identity_endpoints=args.identity_endpoints,
                operator_namespace=load_charts()["kuberay-operator"].namespace if args.distributed_engine else None,
                depends_on=ready,
            ),
            opts=inside,
        )
        queues = GpuQueues(
            f"{name}-queues",
            GpuQueuesArgs(
                pools=pools,
                workloads=args.workloads,
                namespaces=self.tenancy.namespaces,
                kueue_values=kueue_values(),
                depends_on=ready,
            ),
            opts=inside,
        )
        if args.distributed_engine:
            DistributedEngine(f"{name}-engine", DistributedEngineArgs(depends_on=(*ready, queues.release)), opts=inside)
        self.register_outputs({"provider": self.provider.id})
