"""AWS resources: EKS control plane, managed node groups, autoscaling groups, NAT gateways,
KMS keys, S3 buckets with their lifecycle configuration."""

from __future__ import annotations

from blueprint.cost.collector import Collector, pool_counts
from blueprint.cost.tiers import Lifecycle
from blueprint.cost.view import StackView, get, number, props
from blueprint.engine.model import ResourceRecord

EKS_CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ASG = "aws:autoscaling/group:Group"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
NAT = "aws:ec2/natGateway:NatGateway"
KMS_KEY = "aws:kms/key:Key"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
LIFECYCLES = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
VERSIONINGS = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")


def price(c: Collector, view: StackView) -> None:
    for rec in view.of_type(EKS_CLUSTER):
        c.flat_hourly(rec, c.book.flat("controlPlane", c.region), "EKS control plane")
    for rec in view.of_type(NODE_GROUP):
        _node_group(c, view, rec)
    for rec in view.of_type(ASG):
        _asg(c, view, rec)
    for rec in view.of_type(NAT):
        c.flat_hourly(rec, c.book.nat_hourly(c.region), "NAT gateway")
    for rec in view.of_type(KMS_KEY):
        c.flat_monthly(rec, c.book.flat("kmsKey", c.region), "KMS customer managed key")
    lifecycles = view.of_type(*LIFECYCLES)
    versionings = view.of_type(*VERSIONINGS)
    for rec in view.of_type(*BUCKETS):
        _bucket(c, view, rec, lifecycles, versionings)


def _node_group(c: Collector, view: StackView, rec: ResourceRecord) -> None:
    p = props(rec)
    types = get(p, "instanceTypes", default=[]) or []
    machine = types[0] if types else _launch_template_type(view, rec, get(p, "launchTemplate", "id"))
    if not machine:
        c.note(f"{rec.name}: no instance type in the node group or its launch template; not priced")
        return
    if len(types) > 1:
        c.note(f"{rec.name}: {len(types)} instance types; priced at the first ({machine})")
    low = number(get(p, "scalingConfig", "minSize"), 0.0) or 0.0
    high = number(get(p, "scalingConfig", "maxSize"), low) or low
    spot = str(get(p, "capacityType", default="ON_DEMAND")).upper() == "SPOT"
    c.compute(
        rec,
        machine=machine,
        counts=pool_counts(c, view, rec, low, high),
        on_demand_nodes=(lambda n: 0.0) if spot else (lambda n: n),
        capacity="spot" if spot else "on-demand",
    )


def _asg(c: Collector, view: StackView, rec: ResourceRecord) -> None:
    p = props(rec)
    low = number(get(p, "minSize"), 0.0) or 0.0
    high = number(get(p, "maxSize"), low) or low
    mixed = get(p, "mixedInstancesPolicy")
    if mixed:
        overrides = get(mixed, "launchTemplate", "overrides", default=[]) or []
        machine = get(overrides, 0, "instanceType") if overrides else None
        if not machine:
            machine = _launch_template_type(
                view, rec, get(mixed, "launchTemplate", "launchTemplateSpecification", "launchTemplateId")
            )
        base = number(get(mixed, "instancesDistribution", "onDemandBaseCapacity"), 0.0) or 0.0
        pct = number(get(mixed, "instancesDistribution", "onDemandPercentageAboveBaseCapacity"), 100.0)
        pct = 100.0 if pct is None else pct
        extra = f" (first of {len(overrides)} overrides; {base:g} on-demand base, {pct:g}% on-demand above base)"
    else:
        machine = _launch_template_type(view, rec, get(p, "launchTemplate", "id"))
        base, pct, extra = high, 100.0, ""
    if not machine:
        c.note(f"{rec.name}: no instance type in the group or its launch template; not priced")
        return

    def on_demand(n: float, base: float = base, pct: float = pct) -> float:
        return min(n, base) + max(n - base, 0.0) * pct / 100.0

    if pct >= 100.0:
        capacity = "on-demand"
    elif pct <= 0.0 and base <= 0.0:
        capacity = "spot"
    else:
        capacity = "mixed"
    c.compute(
        rec,
        machine=machine,
        counts=pool_counts(c, view, rec, low, high),
        on_demand_nodes=on_demand,
        capacity=capacity,
        extra=extra,
    )


def _launch_template_type(view: StackView, rec: ResourceRecord, template_id: object) -> str | None:
    templates = view.of_type(LAUNCH_TEMPLATE)
    chosen = [t for t in templates if template_id and template_id in (t.id, props(t).get("id"))]
    chosen = chosen or view.siblings(rec, LAUNCH_TEMPLATE)
    for t in chosen:
        machine = get(props(t), "instanceType")
        if machine:
            return str(machine)
    return None


def _bucket(
    c: Collector,
    view: StackView,
    rec: ResourceRecord,
    lifecycles: list[ResourceRecord],
    versionings: list[ResourceRecord],
) -> None:
    comp = view.component(rec)
    name = comp[1] if comp else rec.name
    versioned = bool(get(props(rec), "versioning", "enabled", default=False))
    for v in view.referencing(rec, versionings, "bucket"):
        versioned = str(get(props(v), "versioningConfiguration", "status", default="")).lower() == "enabled"
    transitions: list[tuple[int, str]] = []
    expire: int | None = None
    nc_days: int | None = None
    nc_transitions: list[tuple[int, str]] = []
    for lc in view.referencing(rec, lifecycles, "bucket"):
        for rule in get(props(lc), "rules", default=[]) or []:
            if str(get(rule, "status", default="Enabled")) != "Enabled" or _filtered(rule):
                continue
            for t in get(rule, "transitions", default=[]) or []:
                days = number(get(t, "days"))
                if days is not None and get(t, "storageClass"):
                    transitions.append((int(days), str(get(t, "storageClass"))))
            expire = expire or _int(get(rule, "expiration", "days"))
            nc_days = nc_days or _int(get(rule, "noncurrentVersionExpiration", "noncurrentDays"))
            for t in get(rule, "noncurrentVersionTransitions", default=[]) or []:
                days = number(get(t, "noncurrentDays"))
                if days is not None and get(t, "storageClass"):
                    nc_transitions.append((int(days), str(get(t, "storageClass"))))
    lifecycle = Lifecycle(
        base_class="STANDARD",
        transitions=tuple(transitions),
        expire_days=expire,
        versioned=versioned,
        noncurrent_days=nc_days,
        noncurrent_transitions=tuple(nc_transitions),
    )
    c.bucket(rec, lifecycle, name)


def _filtered(rule: object) -> bool:
    """Rules scoped to a prefix or tag do not apply to the whole bucket; we only price
    whole-bucket rules (what our components write)."""
    filt = get(rule, "filter", default={}) or {}
    return bool(get(filt, "prefix") or get(filt, "tag") or get(filt, "and") or get(rule, "prefix"))


def _int(value: object) -> int | None:
    n = number(value)
    return int(n) if n is not None else None
