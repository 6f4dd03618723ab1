"""The price data (`blueprint/data/prices/<cloud>.yaml`) as typed look-ups.

Every look-up answers either a `Quote` (a price, where it came from and, when derived, how)
or a `Missing` (why there is no price). Nothing is ever a silent zero: a region the data does
not cover, a type the data does not list and a type that is not offered in a region are all
`Missing`, and the estimator turns each into a note "no price for X in Y"."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

from blueprint.catalog import Cloud
from blueprint.yamlsrc import load_trusted

HOURS_PER_MONTH = 730.0
PriceKind = Literal["instance", "gpu", "storage", "nat"]


@dataclass(frozen=True, kw_only=True)
class Quote:
    """A price and its provenance. `derivation` is set when the price is the base region's
    price times a documented regional multiplier."""

    usd: float
    source: str
    derivation: str | None = None

    def label(self, unit: str) -> str:
        text = f"${_fmt(self.usd)}{unit}"
        return f"{text} [{self.derivation}]" if self.derivation else text


@dataclass(frozen=True, kw_only=True)
class Missing:
    """Why there is no price: `what` in `region` is not offered, not priced yet, or unknown."""

    what: str
    region: str
    reason: str

    def note(self) -> str:
        return f"no price for {self.what} in {self.region} ({self.reason})"


@dataclass(frozen=True, kw_only=True)
class Source:
    id: str
    url: str
    what: str
    published: str


@dataclass(frozen=True, kw_only=True)
class PriceTable:
    """Prices of one kind of thing (instance types, storage classes ...) by name and region."""

    kind: PriceKind
    entries: Mapping[str, Mapping[str, Any]]

    def names(self) -> list[str]:
        return sorted(self.entries)


@dataclass(frozen=True, kw_only=True)
class PriceBook:
    """One cloud's prices."""

    cloud: Cloud
    read: str
    base_region: str
    sources: Mapping[str, Source]
    multipliers: Mapping[str, Mapping[str, Any]]
    tables: Mapping[str, PriceTable]
    spot_samples: tuple[tuple[str, float, float], ...]
    spot_source: str | None
    raw: Mapping[str, Any] = field(repr=False)

    # -- spot --------------------------------------------------------------------------
    @property
    def spot_discount(self) -> float | None:
        """Median of the sampled (1 - spot / on-demand) ratios; None when none were read."""
        if not self.spot_samples:
            return None
        return statistics.median(1.0 - spot / od for _, od, spot in self.spot_samples)

    # -- look-ups ----------------------------------------------------------------------
    def instance(self, name: str, region: str) -> Quote | Missing:
        table = self.tables.get(self.instance_table)
        if table is None:
            return Missing(what=name, region=region, reason=f"no instance prices for {self.cloud}")
        return self._lookup(table, name, region, "/h")

    @property
    def instance_table(self) -> str:
        return {"aws": "instances", "gcp": "machines", "azure": "vms"}[self.cloud]

    def gpu(self, accelerator_type: str, region: str) -> Quote | Missing:
        if "gpus" not in self.tables:
            return Missing(what=accelerator_type, region=region, reason="no per-GPU prices")
        return self._lookup(self.tables["gpus"], accelerator_type, region, "/GPU-h")

    def storage(self, class_name: str, region: str) -> Quote | Missing:
        if "storage" not in self.tables:
            return Missing(what=f"storage class {class_name}", region=region, reason="no storage prices")
        return self._lookup(
            self.tables["storage"], class_name, region, "/GB-month", label=f"storage class {class_name}"
        )

    def nat_hourly(self, region: str) -> Quote | Missing:
        if "nat" not in self.tables:
            return Missing(what="NAT gateway", region=region, reason="no NAT gateway prices")
        return self._lookup(self.tables["nat"], "NAT gateway", region, "/h")

    def gpus_included(self, machine: str) -> bool:
        entry = self.tables["machines"].entries.get(machine, {}) if "machines" in self.tables else {}
        return bool(entry.get("gpusIncluded", False))

    def flat(self, key: str, region: str, *, variant: str | None = None) -> Quote | Missing:
        """A flat rate (controlPlane, kmsKey, cloudNat) that applies in `regions: all` or in a
        listed set of regions."""
        node = self.raw.get(key)
        if node is None:
            return Missing(what=key, region=region, reason=f"no {key} price in the {self.cloud} price data")
        if variant is not None or "default" in node:
            node = node.get(variant or "default")
            if node is None:
                return Missing(what=f"{key} {variant}", region=region, reason="no price for this tier")
        regions = node.get("regions", "all")
        if regions != "all" and region not in regions:
            return Missing(what=key, region=region, reason="not priced for this region")
        value = node.get("usdPerHour", node.get("usdPerMonth"))
        return Quote(usd=float(value), source=str(node["source"]))

    def flat_node(self, key: str) -> Mapping[str, Any]:
        return cast(Mapping[str, Any], self.raw.get(key) or {})

    def listed(self, kind: str) -> list[str]:
        return self.tables[kind].names() if kind in self.tables else []

    def _lookup(
        self, table: PriceTable, name: str, region: str, unit: str, *, label: str | None = None
    ) -> Quote | Missing:
        entry = table.entries.get(name)
        what = label or name
        if entry is None:
            return Missing(what=what, region=region, reason=f"{name} is not in the {self.cloud} price data")
        if region in entry.get("notOffered", ()):
            src = entry.get("availability", entry.get("source", ""))
            return Missing(what=what, region=region, reason=f"not offered there per {src}")
        prices: Mapping[str, float] = entry.get("prices", {})
        if region in prices:
            src = entry.get("sources", {}).get(region, entry["source"])
            return Quote(usd=float(prices[region]), source=str(src))
        derive = entry.get("derive")
        if derive and self.base_region in prices:
            mult = self.multipliers.get(derive, {})
            factor = mult.get("values", {}).get(region)
            if factor is not None:
                base = float(prices[self.base_region])
                base_src = entry.get("sources", {}).get(self.base_region, entry["source"])
                return Quote(
                    usd=base * float(factor),
                    source=str(base_src),
                    derivation=f"{self.base_region} ${_fmt(base)}{unit} x {float(factor):g} {derive} multiplier",
                )
        if region in entry.get("notPriced", ()):
            return Missing(what=what, region=region, reason="not priced yet: no source read for this region")
        return Missing(what=what, region=region, reason="not in the price data for this region")


def _fmt(value: float) -> str:
    """Prices print with the precision they need: $0.045, $0.3648, $27.4471."""
    if value == 0:
        return "0"
    if value >= 100:
        return f"{value:,.2f}"
    text = f"{value:.4f}" if value >= 0.01 else f"{value:.5f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: float) -> str:
    return f"${value:,.2f}"


def rate(value: float) -> str:
    return f"${_fmt(value)}"


def parse_price_book(raw: Mapping[str, Any]) -> PriceBook:
    cloud = cast(Cloud, raw["cloud"])
    sources = {
        key: Source(id=key, url=str(v["url"]), what=str(v.get("what", "")), published=str(v.get("published", "")))
        for key, v in raw.get("sources", {}).items()
    }
    tables: dict[str, PriceTable] = {}
    for key, kind in (("instances", "instance"), ("machines", "instance"), ("vms", "instance"), ("gpus", "gpu")):
        if key in raw:
            tables[key] = PriceTable(kind=cast(PriceKind, kind), entries=raw[key] or {})
    if "storage" in raw:
        tables["storage"] = PriceTable(kind="storage", entries=raw["storage"] or {})
    if "natGateway" in raw:
        tables["nat"] = PriceTable(kind="nat", entries={"NAT gateway": raw["natGateway"]})
    spot = raw.get("spotDiscount") or {}
    samples = tuple((str(s["type"]), float(s["onDemand"]), float(s["spot"])) for s in spot.get("samples", ()))
    return PriceBook(
        cloud=cloud,
        read=str(raw["read"]),
        base_region=str(raw["baseRegion"]),
        sources=sources,
        multipliers=raw.get("regionMultipliers") or {},
        tables=tables,
        spot_samples=samples,
        spot_source=spot.get("source"),
        raw=raw,
    )


@cache
def load_price_book(cloud: Cloud) -> PriceBook:
    text = resources.files("blueprint").joinpath(f"data/prices/{cloud}.yaml").read_text(encoding="utf-8")
    return parse_price_book(cast(dict[str, Any], load_trusted(text)))
