"""Azure resources: AKS control plane tier and its inline (system) agent pools, AKS agent
pools, VM scale sets with their autoscale settings, NAT gateways, Key Vault keys and storage
accounts with their lifecycle management policy.

Property names are the Pulumi wire names of the azure-native SDK (`vmSize`,
`scaleSetPriority`, `policy.rules[].definition.actions.baseBlob.tierToCool` ...)."""

from __future__ import annotations

from typing import Any

from blueprint.cost.collector import Collector, pool_counts
from blueprint.cost.model import Counts
from blueprint.cost.tiers import Lifecycle
from blueprint.cost.view import StackView, get, number, props
from blueprint.engine.model import ResourceRecord

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
AUTOSCALE = ("azure-native:insights:AutoscaleSetting", "azure-native:monitor:AutoscaleSetting")
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
MANAGEMENT_POLICY = "azure-native:storage:ManagementPolicy"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
NAT = "azure-native:network:NatGateway"
KEY = "azure-native:keyvault:Key"
TIER_ACTIONS = (("tierToCool", "Cool"), ("tierToCold", "Cold"), ("tierToArchive", "Archive"))


def price(c: Collector, view: StackView) -> None:
    for rec in view.of_type(MANAGED_CLUSTER):
        _cluster(c, view, rec)
    for rec in view.of_type(AGENT_POOL):
        p = props(rec)
        _pool(c, view, rec, p, rec.urn)
    for rec in view.of_type(VMSS):
        _vmss(c, view, rec)
    for rec in view.of_type(NAT):
        c.flat_hourly(rec, c.book.nat_hourly(c.region), "NAT gateway")
    for rec in view.of_type(KEY):
        c.flat_monthly(rec, c.book.flat("kmsKey", c.region), "Key Vault key (Standard vault, software-protected)")
    for rec in view.of_type(STORAGE_ACCOUNT):
        _storage(c, view, rec)


def _cluster(c: Collector, view: StackView, rec: ResourceRecord) -> None:
    p = props(rec)
    tier = str(get(p, "sku", "tier", default="Free"))
    c.flat_hourly(rec, c.book.flat("controlPlane", c.region, variant=tier), f"AKS control plane ({tier} tier)")
    for profile in get(p, "agentPoolProfiles", default=[]) or []:
        name = str(get(profile, "name", default="pool"))
        _pool(c, view, rec, profile, f"{rec.urn}#agentPoolProfiles[{name}]", inline=True)


def _pool(c: Collector, view: StackView, rec: ResourceRecord, p: Any, urn: str, *, inline: bool = False) -> None:
    vm = get(p, "vmSize")
    if not vm:
        c.note(f"{rec.name}: agent pool without vmSize; not priced")
        return
    if get(p, "enableAutoScaling", default=False):
        low = number(get(p, "minCount"), 0.0) or 0.0
        high = number(get(p, "maxCount"), low) or low
    else:
        low = high = number(get(p, "count"), 0.0) or 0.0
    spot = str(get(p, "scaleSetPriority", default="Regular")) == "Spot"
    counts = Counts(low=low, expected=low, high=high) if inline else pool_counts(c, view, rec, low, high)
    c.compute(
        rec,
        machine=str(vm),
        counts=counts,
        on_demand_nodes=(lambda n: 0.0) if spot else (lambda n: n),
        capacity="spot" if spot else "on-demand",
        urn=urn,
        extra=" (system pool: expected = minimum)" if inline else "",
    )


def _vmss(c: Collector, view: StackView, rec: ResourceRecord) -> None:
    p = props(rec)
    vm = get(p, "sku", "name")
    if not vm:
        c.note(f"{rec.name}: scale set without sku.name; not priced")
        return
    settings = view.referencing(rec, view.of_type(*AUTOSCALE), "targetResourceUri")
    capacity = get(props(settings[0]), "profiles", 0, "capacity", default={}) if settings else {}
    if capacity:
        low = number(get(capacity, "minimum"), 0.0) or 0.0
        high = number(get(capacity, "maximum"), low) or low
    else:
        low = high = number(get(p, "sku", "capacity"), 0.0) or 0.0
    spot = str(get(p, "virtualMachineProfile", "priority", default="Regular")) == "Spot"
    c.compute(
        rec,
        machine=str(vm),
        counts=pool_counts(c, view, rec, low, high),
        on_demand_nodes=(lambda n: 0.0) if spot else (lambda n: n),
        capacity="spot" if spot else "on-demand",
    )


def _storage(c: Collector, view: StackView, rec: ResourceRecord) -> None:
    p = props(rec)
    comp = view.component(rec)
    name = comp[1] if comp else rec.name
    transitions: list[tuple[int, str]] = []
    expire: int | None = None
    nc_days: int | None = None
    for policy in view.referencing(rec, view.of_type(MANAGEMENT_POLICY), "accountName"):
        for rule in get(props(policy), "policy", "rules", default=[]) or []:
            if get(rule, "enabled", default=True) is False:
                continue
            actions = get(rule, "definition", "actions", default={}) or {}
            base = get(actions, "baseBlob", default={}) or {}
            for key, cls in TIER_ACTIONS:
                days = number(get(base, key, "daysAfterModificationGreaterThan"))
                if days is not None:
                    transitions.append((int(days), cls))
            delete = number(get(base, "delete", "daysAfterModificationGreaterThan"))
            if delete is not None:
                expire = expire or int(delete)
            version_delete = number(get(actions, "version", "delete", "daysAfterCreationGreaterThan"))
            if version_delete is not None:
                nc_days = nc_days or int(version_delete)
    versioned = any(
        bool(get(props(s), "isVersioningEnabled", default=False))
        for s in view.referencing(rec, view.of_type(BLOB_SERVICE), "accountName")
    )
    lifecycle = Lifecycle(
        base_class=str(get(p, "accessTier", default="Hot")),
        transitions=tuple(transitions),
        expire_days=expire,
        versioned=versioned,
        noncurrent_days=nc_days,
    )
    c.bucket(rec, lifecycle, name)
