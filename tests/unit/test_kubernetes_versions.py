"""Kubernetes versions: the sourced calendar (data/kubernetes.yaml), the clock, validation on
the day it runs, the loader's default and what `mlbp new` writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from blueprint.catalog import (
    CLOUDS,
    Cloud,
    gke_release_channel,
    kubernetes_calendar,
    parse_kubernetes_calendar,
    release_channel,
)
from blueprint.clock import TODAY_ENV, ClockError, today
from blueprint.errors import BlueprintError
from blueprint.loader import parse_blueprint
from blueprint.presets import PRESETS, build_preset
from tests.unit.blueprints import REGION, minimal

CAL = kubernetes_calendar()
RAW = yaml.safe_load((Path(__file__).resolve().parents[2] / "blueprint/data/kubernetes.yaml").read_text())
WHERE = "f.yaml: $.cluster.kubernetesVersion: "


def problems_of(raw: object) -> tuple[str, ...]:
    with pytest.raises(BlueprintError) as info:
        parse_blueprint(raw, "f.yaml")
    return info.value.problems


def with_version(cloud: Cloud, version: str, environment: str = "dev") -> dict[str, object]:
    return minimal(cloud, environment=environment, cluster={"kubernetesVersion": version})


# --- the calendar -------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_cloud_has_a_sourced_calendar_read_on_a_date(cloud: Cloud) -> None:
    source = RAW["sources"][RAW[cloud]["source"]]
    assert source["url"].startswith("https://")
    assert date.fromisoformat(source["read"]) <= date(2026, 12, 3)
    assert CAL.known(cloud), cloud
    assert {e.source for e in CAL.versions[cloud].values()} == {source["url"]}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_version_is_available_before_its_standard_support_ends(cloud: Cloud) -> None:
    assert [v for v, e in CAL.versions[cloud].items() if not e.available < e.end_of_standard_support] == []


@pytest.mark.parametrize("cloud", CLOUDS)
def test_newer_versions_leave_support_later(cloud: Cloud) -> None:
    ends = [CAL.versions[cloud][v].end_of_standard_support for v in CAL.known(cloud)]
    assert ends == sorted(ends)


def test_known_versions_sort_as_numbers_not_text() -> None:
    raw = {"sources": {"s": {"url": "https://x"}}} | {
        c: {
            "source": "s",
            "versions": {
                v: {"available": "2020-01-01", "endOfStandardSupport": "2030-01-01"} for v in ("1.9", "1.10", "1.36")
            },
        }
        for c in CLOUDS
    }
    cal = parse_kubernetes_calendar(raw)
    assert cal.known("aws") == ["1.9", "1.10", "1.36"]
    assert cal.newest_supported("aws", date(2026, 1, 1)) == "1.36"


def test_only_gke_versions_carry_release_channels() -> None:
    assert {c for c in CLOUDS for e in CAL.versions[c].values() if e.channels is not None} == {"gcp"}
    assert all(
        e.channels is not None and e.channels <= {"RAPID", "REGULAR", "STABLE"} for e in CAL.versions["gcp"].values()
    )


def test_support_on_the_day_the_calendar_was_read() -> None:
    """EKS 1.34 ended on 2026-12-02 (AWS calendar), AKS 1.34 on 2026-11-30, GKE 1.34 on 2026-10-01."""
    day = date(2026, 12, 3)
    assert CAL.supported("aws", day) == ["1.35", "1.36"]
    assert CAL.supported("gcp", day, "REGULAR") == ["1.35", "1.36"]
    assert CAL.supported("gcp", day, "STABLE") == ["1.35"]
    assert CAL.supported("azure", day) == ["1.35", "1.36", "1.37"]


def test_end_of_standard_support_is_already_out_on_that_day() -> None:
    eks_134 = CAL.versions["aws"]["1.34"]
    assert eks_134.supported_on(date(2026, 12, 1))
    assert not eks_134.supported_on(date(2026, 12, 2))
    assert eks_134.days_left(date(2026, 11, 2)) == 30


def test_gke_channel_is_stable_in_prod_regular_elsewhere_and_none_off_gcp() -> None:
    assert [gke_release_channel(e) for e in ("prod", "staging", "dev")] == ["STABLE", "REGULAR", "REGULAR"]
    assert (release_channel("aws", "prod"), release_channel("azure", "prod")) == (None, None)
    assert release_channel("gcp", "prod") == "STABLE"


# --- the clock ----------------------------------------------------------------------------


def test_clock_honours_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2027-01-15")
    assert today() == date(2027, 1, 15)


def test_clock_without_override_is_the_utc_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    monkeypatch.delenv(TODAY_ENV)
    assert today() == datetime.now(UTC).date()


def test_bad_clock_override_is_one_problem_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "tomorrow")
    with pytest.raises(ClockError):
        today()
    assert problems_of(with_version("aws", "1.36")) == (
        f"{WHERE}cannot check standard support: {TODAY_ENV}='tomorrow' is not a calendar date (YYYY-MM-DD)",
    )


# --- validation ---------------------------------------------------------------------------


def test_a_version_past_standard_support_is_refused_naming_the_supported_ones() -> None:
    assert problems_of(with_version("aws", "1.33")) == (
        f"{WHERE}1.33 left EKS standard support on 2026-07-29 (supported today: 1.35, 1.36); pick one of those",
    )


@pytest.mark.parametrize(("cloud", "service", "ended"), [("gcp", "GKE", "2026-10-01"), ("azure", "AKS", "2026-11-30")])
def test_every_cloud_refuses_its_ended_versions(cloud: Cloud, service: str, ended: str) -> None:
    (problem,) = problems_of(with_version(cloud, "1.34"))
    assert problem.startswith(f"{WHERE}1.34 left {service} standard support on {ended} (supported today: 1.35")


def test_the_verdict_follows_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2026-07-28")
    assert parse_blueprint(with_version("aws", "1.33"), "f.yaml").cluster.kubernetes_version == "1.33"
    monkeypatch.setenv(TODAY_ENV, "2026-07-29")
    assert problems_of(with_version("aws", "1.33"))[0].startswith(f"{WHERE}1.33 left EKS standard support")


def test_an_unknown_version_is_an_error_naming_the_known_ones() -> None:
    assert problems_of(with_version("aws", "1.40")) == (
        f"{WHERE}1.40 is not in the catalog's EKS calendar (known: 1.32, 1.33, 1.34, 1.35, 1.36; "
        "supported today: 1.35, 1.36); pick a supported one",
    )


def test_a_version_before_it_is_available_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2026-09-01")
    assert problems_of(with_version("azure", "1.37")) == (
        f"{WHERE}1.37 is not available on AKS before 2026-10-31 (supported today: 1.34, 1.35, 1.36); pick one of those",
    )


def test_gke_prod_refuses_a_version_its_stable_channel_does_not_offer() -> None:
    assert problems_of(with_version("gcp", "1.36", "prod")) == (
        f"{WHERE}1.36 is not offered by the GKE STABLE channel (supported today: 1.35); pick that one",
    )
    assert parse_blueprint(with_version("gcp", "1.36", "dev"), "f.yaml").cluster.kubernetes_version == "1.36"


def test_a_stale_calendar_is_reported_when_nothing_is_supported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2030-01-01")
    assert problems_of(with_version("aws", "1.36")) == (
        f"{WHERE}1.36 left EKS standard support on 2027-08-02 (none is, on 2030-01-01); update the calendar",
    )
    assert problems_of(minimal("aws")) == (
        f"{WHERE}no default: the catalog's calendar (blueprint/data/kubernetes.yaml) has no EKS version in "
        "standard support on 2030-01-01; update it or pin a version",
    )


def test_version_problems_come_with_the_others() -> None:
    raw = with_version("aws", "1.33")
    raw["region"] = "mars-1"
    problems = problems_of(raw)
    assert len(problems) == 2 and any("kubernetesVersion: 1.33 left EKS" in p for p in problems)


# --- defaults and mlbp new ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cloud", "environment", "expected"),
    [("aws", "dev", "1.36"), ("gcp", "dev", "1.36"), ("gcp", "prod", "1.35"), ("azure", "prod", "1.37")],
)
def test_omitted_version_defaults_to_the_newest_supported_today(cloud: Cloud, environment: str, expected: str) -> None:
    bp = parse_blueprint(minimal(cloud, environment=environment), "f.yaml")
    assert bp.cluster.kubernetes_version == expected


def test_the_default_moves_with_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2026-03-01")
    assert parse_blueprint(minimal("aws"), "f.yaml").cluster.kubernetes_version == "1.35"


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_new_writes_the_newest_supported_version_explicitly(preset: str, cloud: Cloud, environment: str) -> None:
    raw = build_preset(
        preset=preset,  # type: ignore[arg-type]
        cloud=cloud,
        region=REGION[cloud],
        environment=environment,  # type: ignore[arg-type]
        owner="o",
        cost_center="c",
    )
    channel = release_channel(cloud, environment)
    assert raw["cluster"]["kubernetesVersion"] == CAL.newest_supported(cloud, date(2026, 12, 3), channel)


def test_new_refuses_when_the_calendar_has_nothing_supported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2030-01-01")
    with pytest.raises(BlueprintError) as info:
        build_preset(preset="dev", cloud="gcp", region=REGION["gcp"], environment="prod", owner="o", cost_center="c")
    assert info.value.problems == (
        "blueprint/data/kubernetes.yaml: no version of the STABLE channel of GKE is in standard support on "
        "2030-01-01; update the calendar",
    )
