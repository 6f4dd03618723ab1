"""Shared pricing steps: a compute group, a bucket, a flat fee. Each adds one line with its
basis, or a note saying why it could not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from blueprint.catalog import Cloud, load_catalog
from blueprint.cost.model import Counts, Kind, LineItem
from blueprint.cost.prices import HOURS_PER_MONTH, Missing, PriceBook, Quote, money, rate
from blueprint.cost.tiers import Lifecycle, describe, storage_plan
from blueprint.cost.view import StackView, urn_name
from blueprint.engine.model import ResourceRecord
from blueprint.model import Blueprint


def fmt_count(value: float) -> str:
    return f"{value:g}"


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


@dataclass
class Collector:
    stack: str
    cloud: Cloud
    region: str
    book: PriceBook
    blueprint: Blueprint
    items: list[LineItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hours: float = HOURS_PER_MONTH

    # -- notes -------------------------------------------------------------------------
    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def missing(self, record: ResourceRecord, missing: Missing) -> None:
        self.note(f"{missing.note()}: {urn_name(record.urn)} not priced")

    # -- lines -------------------------------------------------------------------------
    def add(
        self,
        record: ResourceRecord,
        *,
        low: float,
        expected: float,
        high: float,
        basis: str,
        kind: Kind,
        urn: str | None = None,
        nodes: Counts | None = None,
    ) -> None:
        self.items.append(
            LineItem(
                urn=urn or record.urn,
                type=record.type,
                low=low,
                expected=expected,
                high=high,
                basis=basis,
                kind=kind,
                nodes=nodes,
            )
        )

    def spot_discount(self) -> float:
        discount = self.book.spot_discount
        if discount is None:
            self.note(
                f"no spot discount sourced for {self.cloud}: spot capacity is priced at the on-demand price"
                " (an upper bound)"
            )
            return 0.0
        return discount

    def compute(
        self,
        record: ResourceRecord,
        *,
        machine: str,
        counts: Counts,
        on_demand_nodes: Callable[[float], float],
        capacity: str,
        gpus: tuple[str, int] | None = None,
        urn: str | None = None,
        extra: str = "",
    ) -> None:
        """A group of identical nodes, each priced at the machine (+ attached GPUs) hourly
        rate, `on_demand_nodes(n)` of n at on-demand and the rest at the spot rate."""
        quote = self.book.instance(machine, self.region)
        if isinstance(quote, Missing):
            self.missing(record, quote)
            return
        per_node = quote.usd
        label = quote.label("/h")
        what = machine
        if gpus and gpus[1] > 0 and not (self.cloud == "gcp" and self.book.gpus_included(machine)):
            gpu_quote = self.book.gpu(gpus[0], self.region)
            if isinstance(gpu_quote, Missing):
                self.missing(record, gpu_quote)
                return
            per_node += gpus[1] * gpu_quote.usd
            what = f"{machine} + {gpus[1]} x {gpus[0]}"
            label = f"{label} + {gpus[1]} x {gpu_quote.label('/GPU-h')}"
        discount = self.spot_discount() if capacity != "on-demand" else 0.0
        spot_rate = per_node * (1.0 - discount)

        def cost(n: float) -> float:
            od = clamp(on_demand_nodes(n), 0.0, n)
            return self.hours * (od * per_node + (n - od) * spot_rate)

        if capacity == "spot":
            price = f"{rate(spot_rate)}/h (on-demand {label} - {discount * 100:.1f}% typical spot discount)"
        elif capacity == "on-demand":
            price = f"{label}" if per_node == quote.usd else f"{rate(per_node)}/h ({label})"
        else:
            price = (
                f"{rate(per_node)}/h on-demand, {rate(spot_rate)}/h spot"
                f" ({label}; {discount * 100:.1f}% typical spot discount)"
            )
        basis = (
            f"{fmt_count(counts.expected)} x {what} {capacity}{extra} @ {price} x {self.hours:g} h"
            f" (low {fmt_count(counts.low)}, high {fmt_count(counts.high)} nodes)"
        )
        self.add(
            record,
            low=cost(counts.low),
            expected=cost(counts.expected),
            high=cost(counts.high),
            basis=basis,
            kind="compute",
            urn=urn,
            nodes=counts,
        )

    def flat_hourly(self, record: ResourceRecord, quote: Quote | Missing, what: str, *, qty: float = 1.0) -> None:
        if isinstance(quote, Missing):
            self.missing(record, quote)
            return
        monthly = qty * quote.usd * self.hours
        basis = f"{fmt_count(qty)} x {what} @ {quote.label('/h')} x {self.hours:g} h"
        self.add(record, low=monthly, expected=monthly, high=monthly, basis=basis, kind="fixed")

    def flat_monthly(self, record: ResourceRecord, quote: Quote | Missing, what: str, *, qty: float = 1.0) -> None:
        if isinstance(quote, Missing):
            self.missing(record, quote)
            return
        monthly = qty * quote.usd
        basis = f"{fmt_count(qty)} x {what} @ {quote.label('/month')}"
        self.add(record, low=monthly, expected=monthly, high=monthly, basis=basis, kind="fixed")

    def bucket(self, record: ResourceRecord, lifecycle: Lifecycle, name: str) -> None:
        """Steady-state storage for the blueprint bucket `name` (the TieredBucket component's
        name) that `record` stores."""
        spec = next((b for b in self.blueprint.buckets if b.name == name), None)
        if spec is None:
            self.note(
                f"{urn_name(record.urn)}: bucket '{name}' is not a blueprint bucket (created by the platform),"
                " so it has no expectedSizeGib; not priced"
            )
            return
        size = spec.expected_size_gib
        min_days = _min_storage_days(self.cloud)
        plan = storage_plan(size, lifecycle, lambda cls: min_days.get(cls, 0))
        prices: dict[str, float] = {}
        for cls in plan.classes():
            quote = self.book.storage(cls, self.region)
            if isinstance(quote, Missing):
                self.missing(record, quote)
                return
            prices[cls] = quote.usd
        monthly = sum(r.billed_gib * prices[r.class_name] for r in plan.residences)
        basis = describe(plan, size, prices) + f" = {money(monthly)}/month"
        self.add(record, low=monthly, expected=monthly, high=monthly, basis=basis, kind="storage")


def pool_counts(c: Collector, view: StackView, rec: ResourceRecord, low: float, high: float) -> Counts:
    """min / expected / max nodes; expected from the blueprint entry the component is named
    after (gpuPools[].expectedAverageNodes, autoscalingGroups[].expectedAverageSize); a
    cluster's system pool is expected at its minimum."""
    comp = view.component(rec)
    bp = c.blueprint
    expected: float | None = None
    if comp is not None:
        kind, name = comp
        if kind.endswith(":GpuNodePool"):
            pool = next((p for p in bp.gpu_pools if p.name == name), None)
            expected = pool.expected_average_nodes if pool else None
        elif kind.endswith(":AutoscalingGroup"):
            group = next((g for g in bp.autoscaling_groups if g.name == name), None)
            expected = group.expected_average_size if group else None
        elif kind.endswith(":Cluster"):
            expected = low  # the system pool: the blueprint has no average, min is always on
    if expected is None:
        where = f"{comp[0]}::{comp[1]}" if comp else "no component"
        c.note(f"{rec.name}: no blueprint entry for {where}; expected nodes = minimum ({low:g})")
        expected = low
    return Counts(low=low, expected=clamp(expected, low, high), high=high)


def _min_storage_days(cloud: Cloud) -> dict[str, int]:
    cat = load_catalog()
    return {per_cloud[cloud].name: per_cloud[cloud].min_storage_days for per_cloud in cat.storage_classes.values()}
