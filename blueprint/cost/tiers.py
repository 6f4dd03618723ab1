"""Steady-state storage cost of a bucket under a lifecycle policy.

Model (documented in the basis of every bucket line):

* Uniform ingest: data arrives at a constant rate, so object ages are spread evenly over the
  bucket's age horizon H. With an expiry rule H is the expiry age; the fraction of the data
  in a tier is the share of [0, H) its window covers. `expectedSizeGib` is the steady-state
  size, so the ingest rate is size / H per day.
* No expiry: a steady state does not exist (the bucket grows forever). We price the stated
  size as if its ages were spread over `max(365, 2 x last transition day)` days and say so.
* Minimum storage durations: an object that leaves a class (by transition or expiry) before
  the class's minimum storage duration is billed as if it stayed that long (early deletion).
* Noncurrent versions (versioned buckets): with expiry, every expired object lingers as a
  noncurrent version for `noncurrentDays` in the class it was in (exact under the model);
  without expiry, we assume 10% of the bucket is overwritten or deleted per month
  (`NONCURRENT_CHURN_PER_MONTH`), each replaced version kept `noncurrentDays` in the base
  class. Noncurrent-version transitions are applied when given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

NO_EXPIRY_MIN_HORIZON_DAYS = 365
NONCURRENT_CHURN_PER_MONTH = 0.10
DAYS_PER_MONTH = 30.0


@dataclass(frozen=True, kw_only=True)
class Lifecycle:
    """A bucket's policy in cloud terms: storage class names and ages in days."""

    base_class: str
    transitions: tuple[tuple[int, str], ...] = ()  # (age in days, class), any order
    expire_days: int | None = None
    versioned: bool = False
    noncurrent_days: int | None = None
    noncurrent_transitions: tuple[tuple[int, str], ...] = ()  # (days since noncurrent, class)


@dataclass(frozen=True, kw_only=True)
class Residence:
    """Average GiB stored in one class, the share of the bucket, and the billed GiB."""

    class_name: str
    start_day: float
    end_day: float
    gib: float
    billed_gib: float
    noncurrent: bool = False


@dataclass(frozen=True, kw_only=True)
class StoragePlan:
    horizon_days: float
    horizon_is_expiry: bool
    residences: tuple[Residence, ...]

    def classes(self) -> list[str]:
        return list(dict.fromkeys(r.class_name for r in self.residences))


def _windows(base: str, transitions: Sequence[tuple[int, str]], end: float) -> list[tuple[str, float, float]]:
    """(class, start, end) windows over [0, end): the base class until the first transition."""
    steps = sorted((float(d), c) for d, c in transitions)
    windows: list[tuple[str, float, float]] = []
    current, start = base, 0.0
    for day, cls in steps:
        if day >= end:
            break
        if day > start:
            windows.append((current, start, day))
        current, start = cls, max(start, day)
    if end > start:
        windows.append((current, start, end))
    return windows


def storage_plan(size_gib: float, lc: Lifecycle, min_storage_days: Callable[[str], int]) -> StoragePlan:
    last = max((d for d, _ in lc.transitions), default=0)
    if lc.expire_days:
        horizon, is_expiry = float(lc.expire_days), True
    else:
        horizon, is_expiry = float(max(NO_EXPIRY_MIN_HORIZON_DAYS, 2 * last)), False
    rate = size_gib / horizon  # GiB per day under uniform ingest
    residences: list[Residence] = []
    windows = _windows(lc.base_class, lc.transitions, horizon)
    for i, (cls, start, end) in enumerate(windows):
        days = end - start
        leaves = i < len(windows) - 1 or is_expiry  # the object moves on or is deleted
        billed_days = max(days, float(min_storage_days(cls))) if leaves else days
        residences.append(
            Residence(class_name=cls, start_day=start, end_day=end, gib=rate * days, billed_gib=rate * billed_days)
        )
    if lc.versioned and lc.noncurrent_days:
        if is_expiry:
            nc_rate, nc_base = rate, windows[-1][0] if windows else lc.base_class
        else:
            nc_rate, nc_base = size_gib * NONCURRENT_CHURN_PER_MONTH / DAYS_PER_MONTH, lc.base_class
        for cls, start, end in _windows(nc_base, lc.noncurrent_transitions, float(lc.noncurrent_days)):
            gib = nc_rate * (end - start)
            residences.append(
                Residence(class_name=cls, start_day=start, end_day=end, gib=gib, billed_gib=gib, noncurrent=True)
            )
    return StoragePlan(horizon_days=horizon, horizon_is_expiry=is_expiry, residences=tuple(residences))


def describe(plan: StoragePlan, size_gib: float, prices: Mapping[str, float]) -> str:
    """`100 GiB: 8.2% STANDARD (0-30d) @ $0.023, ... ; horizon 365 d (expiry)`."""
    parts: list[str] = []
    for r in plan.residences:
        share = r.gib / size_gib * 100 if size_gib else 0.0
        label = "noncurrent " if r.noncurrent else ""
        billed = f", billed {r.billed_gib:.1f}" if abs(r.billed_gib - r.gib) > 1e-9 else ""
        price = prices.get(r.class_name)
        at = f" @ ${price:g}/GB-month" if price is not None else ""
        parts.append(
            f"{label}{r.class_name} {r.gib:.1f} GiB ({share:.1f}%, days {r.start_day:g}-{r.end_day:g}{billed}){at}"
        )
    horizon = (
        f"expiry at {plan.horizon_days:g} d"
        if plan.horizon_is_expiry
        else f"no expiry: ages spread over {plan.horizon_days:g} d"
    )
    return f"{size_gib:g} GiB steady state, uniform ingest, {horizon}: " + "; ".join(parts)
