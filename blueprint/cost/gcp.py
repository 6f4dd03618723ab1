"""GCP resources: GKE cluster management fee, GKE node pools (machine + attached GPUs),
instance templates behind regional MIGs and their autoscalers, Cloud NAT, Cloud KMS keys and
GCS buckets with lifecycle rules.

Property names are the Pulumi wire names of the pulumi-gcp SDK (`nodeConfig.machineType`,
`autoscaling.totalMinNodeCount`, `lifecycleRules[].condition.age` ...)."""

from __future__ import annotations

from typing import Any

from blueprint.cost.collector import Collector, pool_counts
from blueprint.cost.model import Counts
from blueprint.cost.prices import Missing
from blueprint.cost.tiers import Lifecycle
from blueprint.cost.view import StackView, get, number, props
from blueprint.engine.model import ResourceRecord

CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
TEMPLATES = (
    "gcp:compute/instanceTemplate:InstanceTemplate",
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
)
MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"
AUTOSCALER = "gcp:compute/regionAutoscaler:RegionAutoscaler"
BUCKET = "gcp:storage/bucket:Bucket"
ROUTER_NAT = "gcp:compute/routerNat:RouterNat"
CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
DEFAULT_ZONES = 3  # a regional GKE node pool without nodeLocations spans the region's 3 zones


def price(c: Collector, view: StackView) -> None:
    for rec in view.of_type(CLUSTER):
        c.flat_hourly(rec, c.book.flat("controlPlane", c.region), "GKE cluster management fee")
    for rec in view.of_type(NODE_POOL):
        _node_pool(c, view, rec)
    for rec in view.of_type(MIG):
        _mig(c, view, rec)
    for rec in view.of_type(CRYPTO_KEY):
        c.flat_monthly(rec, c.book.flat("kmsKey", c.region), "Cloud KMS key version (software)")
        c.note(
            f"{rec.name}: priced for 1 active key version; each rotation keeps another enabled version"
            " at the same price until destroyed"
        )
    for rec in view.of_type(BUCKET):
        _bucket(c, view, rec)
    for rec in view.of_type(ROUTER_NAT):
        _router_nat(c, rec)


def _gpus(config: Any) -> tuple[str, int] | None:
    accels = get(config, "guestAccelerators", default=[]) or []
    if not accels:
        return None
    first = accels[0]
    kind = get(first, "type") or get(first, "acceleratorType")
    count = number(get(first, "count"), 0.0) or 0.0
    return (str(kind), int(count)) if kind else None


def _spot(config: Any) -> bool:
    return bool(get(config, "spot", default=False) or get(config, "preemptible", default=False))


def _node_pool(c: Collector, view: StackView, rec: ResourceRecord) -> None:
    p = props(rec)
    config = get(p, "nodeConfig", default={}) or {}
    machine = get(config, "machineType")
    if not machine:
        c.note(f"{rec.name}: no nodeConfig.machineType; not priced")
        return
    auto = get(p, "autoscaling")
    zones = len(get(p, "nodeLocations", default=[]) or []) or DEFAULT_ZONES
    extra = ""
    if auto and (get(auto, "totalMinNodeCount") is not None or get(auto, "totalMaxNodeCount") is not None):
        low = number(get(auto, "totalMinNodeCount"), 0.0) or 0.0
        high = number(get(auto, "totalMaxNodeCount"), low) or low
    elif auto:
        per_low = number(get(auto, "minNodeCount"), 0.0) or 0.0
        per_high = number(get(auto, "maxNodeCount"), per_low) or per_low
        low, high = per_low * zones, per_high * zones
        extra = f" (per-zone min {per_low:g} / max {per_high:g} x {zones} zones)"
    else:
        fixed = number(get(p, "nodeCount"), None)
        fixed = number(get(p, "initialNodeCount"), 0.0) if fixed is None else fixed
        low = high = (fixed or 0.0) * zones
        extra = f" (fixed {fixed or 0:g} per zone x {zones} zones)"
    spot = _spot(config)
    c.compute(
        rec,
        machine=str(machine),
        counts=pool_counts(c, view, rec, low, high),
        on_demand_nodes=(lambda n: 0.0) if spot else (lambda n: n),
        capacity="spot" if spot else "on-demand",
        gpus=_gpus(config),
        extra=extra,
    )


def _mig(c: Collector, view: StackView, rec: ResourceRecord) -> None:
    p = props(rec)
    templates = view.of_type(*TEMPLATES)
    wanted = {
        str(get(v, "instanceTemplate")) for v in get(p, "versions", default=[]) or [] if get(v, "instanceTemplate")
    }
    template = next((t for t in templates if wanted & _ids(t)), None) or next(
        iter(view.siblings(rec, *TEMPLATES)), None
    )
    if template is None:
        c.note(f"{rec.name}: no instance template found for the group; not priced")
        return
    tp = props(template)
    machine = get(tp, "machineType")
    if not machine:
        c.note(f"{template.name}: no machineType; not priced")
        return
    autoscalers = view.referencing(rec, view.of_type(AUTOSCALER), "target")
    if autoscalers:
        policy = get(props(autoscalers[0]), "autoscalingPolicy", default={}) or {}
        low = number(get(policy, "minReplicas"), 0.0) or 0.0
        high = number(get(policy, "maxReplicas"), low) or low
    else:
        low = high = number(get(p, "targetSize"), 0.0) or 0.0
    sched = get(tp, "scheduling", default={}) or {}
    spot = str(get(sched, "provisioningModel", default="")).upper() == "SPOT" or bool(
        get(sched, "preemptible", default=False)
    )
    c.compute(
        rec,
        machine=str(machine),
        counts=pool_counts(c, view, rec, low, high),
        on_demand_nodes=(lambda n: 0.0) if spot else (lambda n: n),
        capacity="spot" if spot else "on-demand",
        gpus=_gpus(tp),
    )


def _ids(rec: ResourceRecord) -> set[str]:
    p = props(rec)
    return {str(v) for v in (rec.id, p.get("selfLink"), p.get("id"), p.get("name"), p.get("selfLinkUnique")) if v}


def _bucket(c: Collector, view: StackView, rec: ResourceRecord) -> None:
    p = props(rec)
    comp = view.component(rec)
    name = comp[1] if comp else rec.name
    transitions: list[tuple[int, str]] = []
    expire: int | None = None
    nc_days: int | None = None
    for rule in get(p, "lifecycleRules", default=[]) or []:
        action = get(rule, "action", default={}) or {}
        cond = get(rule, "condition", default={}) or {}
        kind = str(get(action, "type", default=""))
        age = number(get(cond, "age"))
        noncurrent = get(cond, "daysSinceNoncurrentTime")
        if kind == "SetStorageClass" and age is not None and get(action, "storageClass"):
            transitions.append((int(age), str(get(action, "storageClass"))))
        elif kind == "Delete" and noncurrent is not None:
            nc_days = int(number(noncurrent, 0) or 0)
        elif kind == "Delete" and age is not None and str(get(cond, "withState", default="ANY")) in ("ANY", "LIVE"):
            expire = int(age)
    lifecycle = Lifecycle(
        base_class=str(get(p, "storageClass", default="STANDARD")).upper(),
        transitions=tuple(transitions),
        expire_days=expire,
        versioned=bool(get(p, "versioning", "enabled", default=False)),
        noncurrent_days=nc_days,
    )
    c.bucket(rec, lifecycle, name)


def _router_nat(c: Collector, rec: ResourceRecord) -> None:
    """Cloud NAT: $0.0014 per VM-hour (VMs = every node the stack runs) up to 32 VMs, then a
    flat rate; plus each NAT IP by the hour (AUTO_ONLY allocation is priced as 1 IP)."""
    node = c.book.flat_node("cloudNat")
    if not node:
        c.missing(rec, Missing(what="Cloud NAT", region=c.region, reason="no cloudNat price in the gcp price data"))
        return
    p = props(rec)
    manual = str(get(p, "natIpAllocateOption", default="AUTO_ONLY")) == "MANUAL_ONLY"
    ips = len(get(p, "natIps", default=[]) or []) if manual else 1
    per_vm, cap_vms, cap = float(node["usdPerVmHour"]), float(node["maxVms"]), float(node["usdPerHourAboveMax"])
    per_ip = float(node["usdPerIpHour"])
    totals = [i.nodes for i in c.items if i.nodes is not None]
    vms = Counts(
        low=sum(n.low for n in totals), expected=sum(n.expected for n in totals), high=sum(n.high for n in totals)
    )

    def monthly(n: float) -> float:
        gateway = per_vm * n if n <= cap_vms else cap
        return (gateway + per_ip * ips) * c.hours

    basis = (
        f"Cloud NAT @ ${per_vm:g}/VM-h (flat ${cap:g}/h above {cap_vms:g} VMs) for {vms.expected:g} VMs"
        f" (low {vms.low:g}, high {vms.high:g}: every node of the stack) + {ips} IP x ${per_ip:g}/h, x {c.hours:g} h"
    )
    c.add(rec, low=monthly(vms.low), expected=monthly(vms.expected), high=monthly(vms.high), basis=basis, kind="fixed")
