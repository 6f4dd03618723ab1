"""Compute capacity as the cost rules see it: machine types resolved to GPUs through the one
catalog (`blueprint.catalog`), and every kind of node pool or VM group on the three clouds
reduced to a `Pool` (machines, bounds, spot share, whether it is a declared GPU pool).

A declared GPU pool is one whose nodes carry the `mlplat/accelerator` label: the GPU node pool
components set it (with `mlplat/pool`, `mlplat/workload`, `mlplat/capacity`); system pools and
batch VM groups never do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal, TypeVar, Union

from blueprint.catalog import load_catalog
from mlp_policies.resources import Cloud, Resource, Stack
from mlp_policies.values import Unknown, as_bool, as_number, known, strings

__all__ = [
    "ACCELERATOR_LABEL",
    "POOL_LABEL",
    "POOL_TYPES",
    "Gpu",
    "Machine",
    "Pool",
    "describe_machines",
    "gcp_machine",
    "machine",
    "pools_of",
    "stack_pools",
    "value",
]

ACCELERATOR_LABEL = "mlplat/accelerator"
POOL_LABEL = "mlplat/pool"

AWS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
AWS_ASG = "aws:autoscaling/group:Group"
AWS_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AWS_INSTANCE = "aws:ec2/instance:Instance"
GCP_NODE_POOL = "gcp:container/nodePool:NodePool"
GCP_TEMPLATES = frozenset(
    {"gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"}
)
GCP_MIGS = frozenset(
    {
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        "gcp:compute/instanceGroupManager:InstanceGroupManager",
    }
)
GCP_AUTOSCALERS = frozenset({"gcp:compute/regionAutoscaler:RegionAutoscaler", "gcp:compute/autoscaler:Autoscaler"})
AZURE_AGENT_POOL = "azure-native:containerservice:AgentPool"
AZURE_CLUSTER = "azure-native:containerservice:ManagedCluster"
AZURE_VMSS = "azure-native:compute:VirtualMachineScaleSet"
AZURE_AUTOSCALE = "azure-native:monitor:AutoscaleSetting"

# Every type `pools_of` understands.
POOL_TYPES = frozenset(
    {
        AWS_NODE_GROUP,
        AWS_ASG,
        AWS_LAUNCH_TEMPLATE,
        AWS_INSTANCE,
        GCP_NODE_POOL,
        AZURE_AGENT_POOL,
        AZURE_CLUSTER,
        AZURE_VMSS,
    }
    | GCP_TEMPLATES
    | GCP_MIGS
)
# Types stack_pools joins into pools (bounds, templates) without being pools themselves.
JOINED_TYPES = GCP_AUTOSCALERS | {AZURE_AUTOSCALE}

# Families that carry GPUs, for types the catalog does not list (a new generation): fail closed.
_GPU_FAMILIES: dict[Cloud, re.Pattern[str]] = {
    "aws": re.compile(r"^(p\d|g\d|gr\d)[a-z0-9-]*\.", re.IGNORECASE),
    "azure": re.compile(r"^Standard_N", re.IGNORECASE),
    "gcp": re.compile(r"^(a\d|g\d)-"),  # accelerator-optimized machine families (A2, A3, G2...)
}
_GCP_GPU_ACCELERATOR = re.compile(r"^nvidia-")
_GCP_ZONE = re.compile(r"^[a-z]+-[a-z]+\d+-[a-z]$")
GKE_DEFAULT_ZONES = 3  # a regional GKE pool without nodeLocations runs in the region's 3 default zones

T = TypeVar("T")
Maybe = Union[T, Unknown]  # noqa: UP007  # a pool field not known during preview (a generic alias)


def value(field: Maybe[T]) -> T:
    """A pool field, raising Unknown when it was not known."""
    if isinstance(field, Unknown):
        raise field
    return field


def _try(read: Callable[[], T]) -> Maybe[T]:
    try:
        return read()
    except Unknown as err:
        return err


# --- machine types --------------------------------------------------------------------------


@dataclass(frozen=True)
class Gpu:
    """GPUs attached to one node: the cloud's name for them, the catalog's neutral accelerator
    name (None when the catalog does not know the type) and how many (None: unknown)."""

    cloud_name: str
    accelerator: str | None
    count: int | None


@dataclass(frozen=True)
class Machine:
    """One node's shape: its machine/instance/VM type and the GPUs it carries."""

    name: str
    gpus: tuple[Gpu, ...] = ()

    @property
    def has_gpus(self) -> bool:
        return bool(self.gpus)

    @property
    def gpu_count(self) -> int | None:
        if any(g.count is None for g in self.gpus):
            return None
        return sum(g.count or 0 for g in self.gpus)

    def describe(self) -> str:
        if not self.gpus:
            return self.name
        parts = [
            f"{g.count if g.count is not None else '?'} x {g.accelerator or 'GPU not in the catalog'}"
            + (f" ({g.cloud_name})" if g.cloud_name != self.name else "")
            for g in self.gpus
        ]
        return f"{self.name} ({', '.join(parts)})"


@cache
def _gpu_offers(cloud: Cloud) -> dict[str, tuple[str, int]]:
    """Cloud type name -> (neutral accelerator, GPUs per node) for types carrying GPUs."""
    cat = load_catalog()
    out: dict[str, tuple[str, int]] = {}
    for accel, per_cloud in cat.accelerators.items():
        for offer in per_cloud.get(cloud, ()):
            if cloud != "gcp" or _GPU_FAMILIES["gcp"].match(offer.name):
                out.setdefault(offer.name, (accel, offer.gpus))
    return out


@cache
def _gcp_accelerators() -> dict[str, str]:
    cat = load_catalog()
    return {
        o.accelerator_type: a for a, per in cat.accelerators.items() for o in per.get("gcp", ()) if o.accelerator_type
    }


def machine(cloud: Cloud, name: str) -> Machine:
    """An AWS instance type or Azure VM size (GPUs are part of the type)."""
    offer = _gpu_offers(cloud).get(name)
    if offer is not None:
        return Machine(name, (Gpu(name, offer[0], offer[1]),))
    if _GPU_FAMILIES[cloud].match(name):
        return Machine(name, (Gpu(name, None, None),))
    return Machine(name)


def gcp_machine(machine_type: str, accelerators: list[Mapping[str, Any]] | None = None) -> Machine:
    """A GCP machine type plus its guest accelerators. Accelerator-optimized types (A2, A3,
    G2) carry their GPUs themselves; declared guest accelerators win, so they count once."""
    gpus: list[Gpu] = []
    for acc in accelerators or []:
        kind = str(acc.get("type") or "")
        count = as_number(acc.get("count"))
        if count == 0:
            continue
        neutral = _gcp_accelerators().get(kind)
        if neutral is not None or _GCP_GPU_ACCELERATOR.match(kind):
            gpus.append(Gpu(kind, neutral, int(count) if count is not None else None))
    if not gpus:
        offer = _gpu_offers("gcp").get(machine_type)
        if offer is not None:
            gpus.append(Gpu(machine_type, offer[0], offer[1]))
        elif _GPU_FAMILIES["gcp"].match(machine_type):
            gpus.append(Gpu(machine_type, None, None))
    return Machine(machine_type, tuple(gpus))


# --- pools ----------------------------------------------------------------------------------

PoolKind = Literal["node-pool", "vm-group", "instance", "template"]


@dataclass(frozen=True, kw_only=True)
class Pool:
    """A node pool (Kubernetes), a VM group (ASG, MIG, VMSS) or a template that launches
    them, as far as one resource (or, from `stack_pools`, its joined resources) tells.

    Counts are in nodes for the whole pool (GKE per-zone counts multiplied out). `spot_percent`
    is the share of capacity above `on_demand_base` nodes that runs on spot/preemptible VMs.
    None means the resource does not say (a template has no size). Unknown values are kept as
    `Unknown` and raise when read through `value()`.
    """

    resource: Resource
    name: str
    kind: PoolKind
    declared_gpu: bool = False
    system: bool = False
    machines: Maybe[tuple[Machine, ...]] = ()
    min_nodes: Maybe[float | None] = None
    max_nodes: Maybe[float | None] = None
    spot_percent: Maybe[float | None] = None
    on_demand_base: Maybe[float] = 0.0

    @property
    def label(self) -> str:
        what = {"node-pool": "node pool", "vm-group": "VM group", "instance": "instance", "template": "template"}[
            self.kind
        ]
        return f"{what} {self.name}" + (f" ({self.resource.name})" if self.resource.name != self.name else "")

    def gpu_machines(self) -> list[Machine]:
        return [m for m in value(self.machines) if m.has_gpus]

    def has_gpus(self) -> bool:
        return self.declared_gpu or bool(self.gpu_machines())

    def gpus_per_node(self) -> int | None:
        """The most GPUs any of its machine types carries (None if one is not in the catalog)."""
        counts = [m.gpu_count for m in value(self.machines)]
        if any(c is None for c in counts):
            return None
        return max((c or 0 for c in counts), default=0)


def _labels(props: Any) -> dict[str, Any]:
    return dict(props) if isinstance(props, Mapping) else {}


def _aws_node_group(r: Resource) -> Pool:
    labels = _try(lambda: _labels(r.get("labels")))
    declared = not isinstance(labels, Unknown) and ACCELERATOR_LABEL in labels
    name = labels.get(POOL_LABEL) if not isinstance(labels, Unknown) else None
    return Pool(
        resource=r,
        name=str(name or r.name),
        kind="node-pool",
        declared_gpu=declared,
        system=not declared and name == "system",
        machines=_try(lambda: tuple(machine("aws", t) for t in strings(r.get("instanceTypes", default=[])))),
        min_nodes=_try(lambda: as_number(r.get("scalingConfig", "minSize"))),
        max_nodes=_try(lambda: as_number(r.get("scalingConfig", "maxSize"))),
        # EKS managed node groups default to ON_DEMAND.
        spot_percent=_try(lambda: 100.0 if r.get("capacityType", default="ON_DEMAND") == "SPOT" else 0.0),
    )


def _aws_asg_spot(r: Resource) -> tuple[float | None, float]:
    policy = r.get("mixedInstancesPolicy")
    if policy is None:
        return None, 0.0  # a plain launch template: its instanceMarketOptions decide (stack_pools)
    dist = r.get("mixedInstancesPolicy", "instancesDistribution", default={})
    # AWS defaults: no on-demand base, 100 % on-demand above it.
    above = as_number(dist.get("onDemandPercentageAboveBaseCapacity"))
    base = as_number(dist.get("onDemandBaseCapacity")) or 0.0
    return 100.0 - (100.0 if above is None else above), base


def _aws_asg(r: Resource) -> Pool:
    overrides = _try(lambda: r.get("mixedInstancesPolicy", "launchTemplate", "overrides", default=[]))
    machines: Maybe[tuple[Machine, ...]] = (
        overrides
        if isinstance(overrides, Unknown)
        else tuple(
            machine("aws", str(o["instanceType"]))
            for o in overrides
            if isinstance(o, Mapping) and o.get("instanceType")
        )
    )
    spot = _try(lambda: _aws_asg_spot(r))
    return Pool(
        resource=r,
        name=r.name,
        kind="vm-group",
        machines=machines,
        min_nodes=_try(lambda: as_number(r.get("minSize"))),
        max_nodes=_try(lambda: as_number(r.get("maxSize"))),
        spot_percent=spot if isinstance(spot, Unknown) else spot[0],
        on_demand_base=spot if isinstance(spot, Unknown) else spot[1],
    )


def _aws_template(r: Resource) -> Pool:
    def market() -> float | None:
        kind = r.get("instanceMarketOptions", "marketType")
        return None if kind is None else (100.0 if kind == "spot" else 0.0)

    return Pool(
        resource=r,
        name=r.name,
        kind="template",
        machines=_try(lambda: tuple(machine("aws", t) for t in strings(r.get("instanceType")))),
        spot_percent=_try(market),
    )


def _aws_instance(r: Resource) -> Pool:
    return Pool(
        resource=r,
        name=r.name,
        kind="instance",
        machines=_try(lambda: tuple(machine("aws", t) for t in strings(r.get("instanceType")))),
        min_nodes=1.0,
        max_nodes=1.0,
        spot_percent=_try(lambda: 100.0 if r.get("instanceMarketOptions", "marketType") == "spot" else 0.0),
    )


def _gke_zones(r: Resource) -> int:
    locations = strings(r.get("nodeLocations", default=[]))
    if locations:
        return len(locations)
    location = str(r.get("location", default=""))
    return 1 if _GCP_ZONE.match(location) else GKE_DEFAULT_ZONES


def _gke_bounds(r: Resource) -> tuple[float | None, float | None]:
    auto = r.get("autoscaling")
    if isinstance(auto, Mapping) and auto:
        total_min, total_max = as_number(auto.get("totalMinNodeCount")), as_number(auto.get("totalMaxNodeCount"))
        if total_min is not None or total_max is not None:
            return total_min or 0.0, total_max
        zones = _gke_zones(r)
        per_min, per_max = as_number(auto.get("minNodeCount")), as_number(auto.get("maxNodeCount"))
        return (per_min or 0.0) * zones, None if per_max is None else per_max * zones
    count = as_number(r.get("nodeCount"))
    if count is None:
        count = as_number(r.get("initialNodeCount"))
    count = 1.0 if count is None else count  # GKE's default node count
    return count * _gke_zones(r), count * _gke_zones(r)


def _gcp_node_pool(r: Resource) -> Pool:
    labels = _try(lambda: _labels(r.get("nodeConfig", "labels")))
    declared = not isinstance(labels, Unknown) and ACCELERATOR_LABEL in labels
    name = (labels.get(POOL_LABEL) if not isinstance(labels, Unknown) else None) or r.get("name") or r.name
    bounds = _try(lambda: _gke_bounds(r))

    def spot() -> float:
        return 100.0 if as_bool(r.get("nodeConfig", "spot")) or as_bool(r.get("nodeConfig", "preemptible")) else 0.0

    return Pool(
        resource=r,
        name=str(name),
        kind="node-pool",
        declared_gpu=declared,
        system=not declared and name == "system",
        machines=_try(
            lambda: (
                gcp_machine(
                    str(r.get("nodeConfig", "machineType", default="e2-medium")),
                    r.get("nodeConfig", "guestAccelerators"),
                ),
            )
        ),
        min_nodes=bounds if isinstance(bounds, Unknown) else bounds[0],
        max_nodes=bounds if isinstance(bounds, Unknown) else bounds[1],
        spot_percent=_try(spot),
    )


def _gcp_template(r: Resource) -> Pool:
    def spot() -> float:
        model = r.get("scheduling", "provisioningModel")
        return 100.0 if model == "SPOT" or as_bool(r.get("scheduling", "preemptible")) else 0.0

    return Pool(
        resource=r,
        name=r.name,
        kind="template",
        machines=_try(lambda: (gcp_machine(str(r.get("machineType", default="")), r.get("guestAccelerators")),)),
        spot_percent=_try(spot),
    )


def _gcp_mig(r: Resource) -> Pool:
    size = _try(lambda: as_number(r.get("targetSize")))
    # Machines and spot come from its instance template, bounds from its autoscaler (stack_pools).
    return Pool(resource=r, name=r.name, kind="vm-group", machines=(), min_nodes=size, max_nodes=size)


def _azure_pool(r: Resource, profile: Mapping[str, Any], name: str) -> Pool:
    def read(*path: str) -> Any:
        return known(_dig(profile, path), ".".join(path))

    labels = _try(lambda: _labels(read("nodeLabels")))
    declared = not isinstance(labels, Unknown) and ACCELERATOR_LABEL in labels

    def bounds() -> tuple[float | None, float | None]:
        if as_bool(read("enableAutoScaling")):
            return as_number(read("minCount")), as_number(read("maxCount"))
        count = as_number(read("count"))
        return count, count

    limits = _try(bounds)
    mode = _try(lambda: read("mode"))
    return Pool(
        resource=r,
        name=name,
        kind="node-pool",
        declared_gpu=declared,
        system=not declared and mode == "System",
        machines=_try(lambda: tuple(machine("azure", t) for t in strings(read("vmSize")))),
        min_nodes=limits if isinstance(limits, Unknown) else limits[0],
        max_nodes=limits if isinstance(limits, Unknown) else limits[1],
        spot_percent=_try(lambda: 100.0 if read("scaleSetPriority") == "Spot" else 0.0),
    )


def _dig(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _azure_vmss(r: Resource) -> Pool:
    def spot() -> tuple[float, float]:
        if r.get("virtualMachineProfile", "priority") not in ("Spot", "Low"):
            return 0.0, 0.0
        mix = r.get("priorityMixPolicy", default={})
        regular = as_number(mix.get("regularPriorityPercentageAboveBase")) or 0.0
        return 100.0 - regular, as_number(mix.get("baseRegularPriorityCount")) or 0.0

    share = _try(spot)
    capacity = _try(lambda: as_number(r.get("sku", "capacity")))
    return Pool(
        resource=r,
        name=r.name,
        kind="vm-group",
        machines=_try(lambda: tuple(machine("azure", t) for t in strings(r.get("sku", "name")))),
        min_nodes=capacity,
        max_nodes=capacity,
        spot_percent=share if isinstance(share, Unknown) else share[0],
        on_demand_base=share if isinstance(share, Unknown) else share[1],
    )


def pools_of(r: Resource) -> list[Pool]:
    """The pools one resource defines on its own (an AKS cluster may define several)."""
    if r.type == AWS_NODE_GROUP:
        return [_aws_node_group(r)]
    if r.type == AWS_ASG:
        return [_aws_asg(r)]
    if r.type == AWS_LAUNCH_TEMPLATE:
        return [_aws_template(r)]
    if r.type == AWS_INSTANCE:
        return [_aws_instance(r)]
    if r.type == GCP_NODE_POOL:
        return [_gcp_node_pool(r)]
    if r.type in GCP_TEMPLATES:
        return [_gcp_template(r)]
    if r.type in GCP_MIGS:
        return [_gcp_mig(r)]
    if r.type == AZURE_AGENT_POOL:
        name = _try(lambda: r.get("agentPoolName"))
        return [_azure_pool(r, r.props, str(r.name if isinstance(name, Unknown) or not name else name))]
    if r.type == AZURE_VMSS:
        return [_azure_vmss(r)]
    if r.type == AZURE_CLUSTER:
        profiles = r.get("agentPoolProfiles", default=[])
        return [
            _azure_pool(r, p, str(p.get("name") or f"{r.name}[{i}]"))
            for i, p in enumerate(profiles)
            if isinstance(p, Mapping)
        ]
    return []


def stack_pools(stack: Stack) -> list[Pool]:
    """Every pool and VM group of the stack, with what other resources add: a node group's or
    ASG's launch template (instance type, spot market), a MIG's instance template and
    autoscaler, a VMSS's autoscale setting. Templates appear only inside their groups."""
    templates = stack.of_type(AWS_LAUNCH_TEMPLATE, GCP_TEMPLATES)
    template_types = {AWS_LAUNCH_TEMPLATE, *GCP_TEMPLATES}  # `r in templates` exactly, without O(n^2) compares
    return [
        _joined(stack, pool, templates) for r in stack.resources if r.type not in template_types for pool in pools_of(r)
    ]


def _joined(stack: Stack, pool: Pool, templates: list[Resource]) -> Pool:
    r = pool.resource
    if r.type in (AWS_NODE_GROUP, AWS_ASG):
        prop = "launchTemplate" if r.type == AWS_NODE_GROUP or r.props.get("launchTemplate") else "mixedInstancesPolicy"
        found = stack.references(r, prop, [t for t in templates if t.type == AWS_LAUNCH_TEMPLATE])
        if found:
            template = _aws_template(found[0])
            if pool.machines == () and template.machines != ():
                pool = replace(pool, machines=template.machines)
            if pool.spot_percent is None:
                pool = replace(pool, spot_percent=template.spot_percent)
        if r.type == AWS_ASG and pool.spot_percent is None:
            pool = replace(pool, spot_percent=0.0)  # no mixed policy, no spot market: on-demand
    elif r.type in GCP_MIGS:
        found = stack.references(r, "versions", [t for t in templates if t.type in GCP_TEMPLATES])
        if found:
            template = _gcp_template(found[0])
            pool = replace(pool, machines=template.machines, spot_percent=template.spot_percent)
        autoscaler = [a for a in stack.of_type(GCP_AUTOSCALERS) if r in stack.references(a, "target", [r])]
        if autoscaler:
            policy = _try(lambda: autoscaler[0].get("autoscalingPolicy", default={}))
            if isinstance(policy, Unknown):
                pool = replace(pool, min_nodes=policy, max_nodes=policy)
            else:
                pool = replace(
                    pool, min_nodes=as_number(policy.get("minReplicas")), max_nodes=as_number(policy.get("maxReplicas"))
                )
    elif r.type == AZURE_VMSS:
        settings = [s for s in stack.of_type(AZURE_AUTOSCALE) if r in stack.references(s, "targetResourceUri", [r])]
        if settings:
            bounds = _try(lambda: _autoscale_bounds(settings[0]))
            pool = replace(
                pool,
                min_nodes=bounds if isinstance(bounds, Unknown) else bounds[0],
                max_nodes=bounds if isinstance(bounds, Unknown) else bounds[1],
            )
    return pool


def _autoscale_bounds(setting: Resource) -> tuple[float | None, float | None]:
    profiles = [p for p in setting.get("profiles", default=[]) if isinstance(p, Mapping)]
    mins = [n for p in profiles if (n := as_number(_dig(p, ("capacity", "minimum")))) is not None]
    maxes = [n for p in profiles if (n := as_number(_dig(p, ("capacity", "maximum")))) is not None]
    return (min(mins) if mins else None), (max(maxes) if maxes else None)


def describe_machines(machines: tuple[Machine, ...]) -> str:
    return ", ".join(m.describe() for m in machines) or "no machine type"
