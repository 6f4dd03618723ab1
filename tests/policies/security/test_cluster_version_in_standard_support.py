"""MLP-031 cluster-version-in-standard-support on fixture clusters of all three clouds, on
days set through the clock (`MLBP_TODAY`): pass with more than 60 days of standard support
left, fail within 60 days or after the end, unknown for versions the calendar lacks and for
values not known during preview."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.registry import rule_named
from mlp_policies.security.cluster_version_in_standard_support import RULE, minor_of

from blueprint.clock import TODAY_ENV
from tests.policies.security.security_shapes import aks_cluster, eks_cluster, gke_cluster
from tests.policies.shapes import DELETE, U_STRING, changed, env_config, verdict

PROD = env_config("prod", RULE)


def eks(version: Any) -> Any:
    return changed(eks_cluster(), {"version": version})


def gke(version: Any, channel: str = "STABLE") -> Any:
    return changed(gke_cluster(), {"minMasterVersion": version, "releaseChannel": {"channel": channel}})


def aks(version: Any) -> Any:
    return changed(aks_cluster(), {"kubernetesVersion": version})


# (day, subject, expected messages)
CASES: dict[str, tuple[str, Any, set[str]]] = {
    "pass_aws_newest_on_the_day_the_calendar_was_read": ("2026-12-03", eks("1.36"), set()),
    "pass_aws_61_days_before_the_end": ("2027-01-25", eks("1.35"), set()),
    "fail_aws_60_days_before_the_end": (
        "2027-01-26",
        eks("1.35"),
        {
            "cluster cluster-eks runs Kubernetes 1.35, whose EKS standard support ends on 2027-03-27 (in 60 days); "
            "upgrade to 1.36"
        },
    ),
    "fail_aws_after_the_end": (
        "2026-12-03",
        eks("1.33"),
        {
            "cluster cluster-eks runs Kubernetes 1.33, out of EKS standard support since 2026-07-29; "
            "upgrade to 1.35 or 1.36"
        },
    ),
    "fail_aws_on_the_last_day_with_nothing_newer": (
        "2027-08-01",
        eks("1.36"),
        {
            "cluster cluster-eks runs Kubernetes 1.36, whose EKS standard support ends on 2027-08-02 (in 1 day); "
            "no newer version is in the calendar yet; update it"
        },
    ),
    "pass_gcp_stable_on_1_35": ("2026-12-03", gke("1.35"), set()),
    "pass_gcp_patch_version_counts_as_its_minor": ("2026-12-03", gke("1.35.7-gke.1222000"), set()),
    "fail_gcp_stable_upgrade_only_to_what_the_channel_offers": (
        "2027-03-01",
        gke("1.35"),
        {
            "cluster cluster-gke runs Kubernetes 1.35, whose GKE standard support ends on 2027-04-11 (in 41 days); "
            "no newer version is in the calendar yet; update it"
        },
    ),
    "fail_gcp_regular_is_told_of_1_36": (
        "2027-03-01",
        gke("1.35", "REGULAR"),
        {
            "cluster cluster-gke runs Kubernetes 1.35, whose GKE standard support ends on 2027-04-11 (in 41 days); "
            "upgrade to 1.36"
        },
    ),
    "pass_azure_1_37": ("2026-12-03", aks("1.37"), set()),
    "pass_azure_patch_version": ("2026-12-03", aks("1.36.2"), set()),
    "fail_azure_ended_yesterday_is_out": (
        "2026-12-01",
        aks("1.34"),
        {
            "cluster cluster-aks runs Kubernetes 1.34, out of AKS standard support since 2026-11-30; "
            "upgrade to 1.35 or 1.36 or 1.37"
        },
    ),
}


@pytest.mark.parametrize(("day", "subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(monkeypatch: pytest.MonkeyPatch, day: str, subject: Any, expected: set[str]) -> None:
    monkeypatch.setenv(TODAY_ENV, day)
    status, messages = verdict(RULE, subject, PROD)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_the_window_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2027-01-26")
    assert verdict(RULE, eks("1.35"), {"warnWithinDays": 30}) == ("pass", set())
    assert verdict(RULE, eks("1.35"), {"warnWithinDays": 90})[0] == "fail"


def test_it_is_advisory_with_a_60_day_window_in_every_environment() -> None:
    assert RULE.enforcement == "advisory" and RULE.defaults() == {"warnWithinDays": 60}
    for env in ("dev", "staging", "prod"):
        assert env_config(env, RULE) == {"warnWithinDays": 60}
    assert rule_named("cluster-version-in-standard-support") is RULE


def test_unknown_version_during_preview_is_not_a_failure() -> None:
    assert verdict(RULE, eks(U_STRING), PROD) == ("unknown", set())


def test_a_version_the_calendar_lacks_is_unknown_not_a_pass() -> None:
    outcome = RULE.evaluate(eks("1.29"), PROD)
    assert outcome.status == "unknown"
    assert (
        "Kubernetes 1.29 is not in the catalog's EKS calendar (known: 1.32, 1.33, 1.34, 1.35, 1.36)" in outcome.reason
    )


def test_a_bad_clock_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "someday")
    outcome = RULE.evaluate(eks("1.36"), PROD)
    assert (outcome.status, outcome.reason) == (
        "unknown",
        f"cluster cluster-eks: {TODAY_ENV}='someday' is not a calendar date (YYYY-MM-DD)",
    )


def test_no_pinned_version_is_not_applicable() -> None:
    assert RULE.evaluate(changed(eks_cluster(), {"version": DELETE}), PROD).status == "not-applicable"


@pytest.mark.parametrize(
    ("given", "minor"),
    [("1.36", "1.36"), ("1.36.2", "1.36"), ("1.35.7-gke.1222000", "1.35"), ("v1.34.1", "1.34"), ("latest", None)],
)
def test_minor_of(given: str, minor: str | None) -> None:
    assert minor_of(given) == minor
