"""What the estimator answers: priced lines and their totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from blueprint.cost.prices import HOURS_PER_MONTH

Kind = Literal["compute", "storage", "fixed"]
MISSING_PREFIX = "no price for "


@dataclass(frozen=True, kw_only=True)
class Counts:
    """Node (or replica) counts: low = min, expected = blueprint average, high = max."""

    low: float
    expected: float
    high: float


@dataclass(frozen=True, kw_only=True)
class LineItem:
    """One priced resource, monthly USD, with the arithmetic behind it in `basis`."""

    urn: str
    type: str
    low: float
    expected: float
    high: float
    basis: str
    kind: Kind
    nodes: Counts | None = None  # compute lines: node counts behind the figures

    def as_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "low": round(self.low, 2),
            "expected": round(self.expected, 2),
            "high": round(self.high, 2),
            "basis": self.basis,
        }


@dataclass(frozen=True, kw_only=True)
class Estimate:
    """A stack's monthly cost: low / expected / high USD, the lines, the budget and notes
    (every price that could not be found, every assumption that changed a figure)."""

    stack: str
    cloud: str
    region: str
    budget_usd: float
    items: tuple[LineItem, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    hours_per_month: float = HOURS_PER_MONTH

    @property
    def low_usd(self) -> float:
        return sum(i.low for i in self.items)

    @property
    def expected_usd(self) -> float:
        return sum(i.expected for i in self.items)

    @property
    def high_usd(self) -> float:
        return sum(i.high for i in self.items)

    @property
    def missing_prices(self) -> tuple[str, ...]:
        return tuple(n for n in self.notes if MISSING_PREFIX in n)

    @property
    def within_budget(self) -> bool:
        return self.expected_usd <= self.budget_usd

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "currency": "USD",
            "cloud": self.cloud,
            "region": self.region,
            "monthly": {
                "low": round(self.low_usd, 2),
                "expected": round(self.expected_usd, 2),
                "high": round(self.high_usd, 2),
            },
            "budgetUsd": round(self.budget_usd, 2),
            "headroomUsd": {
                "expected": round(self.budget_usd - self.expected_usd, 2),
                "high": round(self.budget_usd - self.high_usd, 2),
            },
            "items": [i.as_json() for i in self.items],
            "notes": list(self.notes),
        }
