"""Steady-state bucket cost: the fraction of data whose age falls in each tier window."""

from __future__ import annotations

import pytest

from blueprint.cost.tiers import NONCURRENT_CHURN_PER_MONTH, Lifecycle, storage_plan

S3 = {"STANDARD": 0.023, "STANDARD_IA": 0.0125, "GLACIER_IR": 0.004, "DEEP_ARCHIVE": 0.00099}
MIN_DAYS = {"STANDARD": 0, "STANDARD_IA": 30, "GLACIER_IR": 90, "DEEP_ARCHIVE": 180}


def cost(plan: object) -> float:
    return sum(r.billed_gib * S3[r.class_name] for r in plan.residences)  # type: ignore[attr-defined]


def test_100_gib_tiers_30_90_expiry_365_priced_exactly() -> None:
    lc = Lifecycle(base_class="STANDARD", transitions=((30, "STANDARD_IA"), (90, "GLACIER_IR")), expire_days=365)
    plan = storage_plan(100, lc, MIN_DAYS.__getitem__)
    # Ages are uniform over [0, 365): STANDARD holds ages 0-30, IA 30-90, Glacier IR 90-365.
    assert [(r.class_name, r.gib) for r in plan.residences] == [
        ("STANDARD", pytest.approx(100 * 30 / 365)),  # 8.219 GiB
        ("STANDARD_IA", pytest.approx(100 * 60 / 365)),  # 16.438 GiB
        ("GLACIER_IR", pytest.approx(100 * 275 / 365)),  # 75.342 GiB
    ]
    # 100 x (30 x 0.023 + 60 x 0.0125 + 275 x 0.004) / 365 = 100 x 2.54 / 365 = $0.695890
    assert cost(plan) == pytest.approx(100 * (30 * 0.023 + 60 * 0.0125 + 275 * 0.004) / 365)
    assert cost(plan) == pytest.approx(0.6958904, abs=1e-7)


def test_minimum_storage_duration_bills_early_deletion() -> None:
    # Deep Archive from day 30, deleted at 90: 60 days there but billed the 180-day minimum.
    lc = Lifecycle(base_class="STANDARD", transitions=((30, "DEEP_ARCHIVE"),), expire_days=90)
    plan = storage_plan(100, lc, MIN_DAYS.__getitem__)
    # ingest 100/90 GiB/day: STANDARD 30 d x 0.023 = 0.766667; DEEP_ARCHIVE 180 d x 0.00099 = 0.198
    assert cost(plan) == pytest.approx(100 / 90 * (30 * 0.023 + 180 * 0.00099))


def test_versioned_expiry_keeps_noncurrent_versions_in_the_last_class() -> None:
    lc = Lifecycle(
        base_class="STANDARD", transitions=((30, "STANDARD_IA"),), expire_days=120, versioned=True, noncurrent_days=7
    )
    plan = storage_plan(100, lc, MIN_DAYS.__getitem__)
    # current: 25 GiB STANDARD + 75 GiB IA; noncurrent: (100/120 GiB/day) x 7 d = 5.8333 GiB in IA
    assert cost(plan) == pytest.approx(25 * 0.023 + 75 * 0.0125 + 100 / 120 * 7 * 0.0125)


def test_no_expiry_spreads_ages_over_a_year_and_assumes_churn_for_versions() -> None:
    lc = Lifecycle(
        base_class="STANDARD",
        transitions=((60, "STANDARD_IA"),),
        versioned=True,
        noncurrent_days=90,
        noncurrent_transitions=((30, "STANDARD_IA"),),
    )
    plan = storage_plan(500, lc, MIN_DAYS.__getitem__)
    assert plan.horizon_days == 365 and not plan.horizon_is_expiry
    churn = 500 * NONCURRENT_CHURN_PER_MONTH / 30  # GiB/day becoming noncurrent (10% a month)
    expected = 500 * (60 * 0.023 + 305 * 0.0125) / 365 + churn * (30 * 0.023 + 60 * 0.0125)
    assert cost(plan) == pytest.approx(expected)


def test_late_tier_extends_the_no_expiry_horizon() -> None:
    lc = Lifecycle(base_class="STANDARD", transitions=((400, "DEEP_ARCHIVE"),))
    plan = storage_plan(100, lc, MIN_DAYS.__getitem__)
    assert plan.horizon_days == 800
    assert [r.class_name for r in plan.residences] == ["STANDARD", "DEEP_ARCHIVE"]
