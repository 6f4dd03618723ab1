"""Real-cloud constraints on Kubernetes versions, over every shipped and generated stack: the
version a cluster asks for must be one the managed service creates under the support the
cluster is configured for, on the day of the run (the suite's day, `MLBP_TODAY`). The calendar
with its sources is blueprint/data/kubernetes.yaml."""

from __future__ import annotations

from collections.abc import Callable

from blueprint.catalog import Cloud, gke_release_channel, kubernetes_calendar
from blueprint.clock import today
from tests.realcloud.conftest import Case

EKS = "aws:eks/cluster:Cluster"
GKE = "gcp:container/cluster:Cluster"
AKS = "azure-native:containerservice:ManagedCluster"


def test_eks_standard_support_type_needs_a_version_in_standard_support(
    realcloud_cases: Callable[[Cloud], list[Case]],
) -> None:
    """With `upgradePolicy.supportType: STANDARD` a cluster does not enter extended support: at the
    end of standard support EKS upgrades it, and a version already past it is no STANDARD choice
    (issue 13: `pulumi up` fails on 1.33 after 2026-07-29). Sources:
    https://docs.aws.amazon.com/eks/latest/userguide/view-upgrade-policy.html (STANDARD "will
    automatically upgrade to the next supported Kubernetes version in standard support") and the
    EKS release calendar,
    https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar."""
    supported = kubernetes_calendar().supported("aws", today())
    checked = 0
    for case in realcloud_cases("aws"):
        for cluster in case.of_type(EKS):
            assert cluster.inputs["upgradePolicy"] == {"supportType": "STANDARD"}, case.name
            assert cluster.inputs["version"] in supported, (case.name, cluster.inputs["version"], supported)
            checked += 1
    assert checked >= 2


def test_gke_pinned_version_is_offered_by_the_clusters_release_channel(
    realcloud_cases: Callable[[Cloud], list[Case]],
) -> None:
    """A cluster enrolled in a release channel can only be created at a version that channel
    offers; Stable gets a minor months after Regular (in the release notes read, Stable offered
    1.34 to 1.35 while Regular offered 1.34 to 1.36), so prod (STABLE) may not pin what dev
    (REGULAR) can. Sources:
    https://cloud.google.com/kubernetes-engine/docs/concepts/release-channels#what_versions_are_available_in_a_channel,
    https://cloud.google.com/kubernetes-engine/docs/release-notes ("Current versions") and the
    end of standard support in https://cloud.google.com/kubernetes-engine/docs/release-schedule."""
    calendar = kubernetes_calendar()
    seen: set[str] = set()
    for case in realcloud_cases("gcp"):
        for cluster in case.of_type(GKE):
            channel = cluster.inputs["releaseChannel"]["channel"]
            assert channel == gke_release_channel(case.blueprint.environment), case.name
            offered = calendar.supported("gcp", today(), channel)
            assert cluster.inputs["minMasterVersion"] in offered, (case.name, channel, offered)
            seen.add(channel)
    assert seen == {"STABLE", "REGULAR"}


def test_aks_version_is_in_community_support_without_long_term_support(
    realcloud_cases: Callable[[Cloud], list[Case]],
) -> None:
    """AKS supports a minor for 12 months after GA (community support); staying longer needs the
    AKSLongTermSupport plan, which needs the Premium tier, which the clusters do not use. So the
    version must be in the AKS calendar's supported window. Source:
    https://learn.microsoft.com/en-us/azure/aks/supported-kubernetes-versions#aks-kubernetes-release-calendar-and-upcoming-versions
    and https://learn.microsoft.com/en-us/azure/aks/long-term-support ("Enabling LTS requires
    moving your cluster to the Premium tier")."""
    supported = kubernetes_calendar().supported("azure", today())
    checked = 0
    for case in realcloud_cases("azure"):
        for cluster in case.of_type(AKS):
            assert cluster.inputs.get("supportPlan", "KubernetesOfficial") == "KubernetesOfficial", case.name
            assert cluster.inputs["sku"]["tier"] != "Premium", case.name
            assert cluster.inputs["kubernetesVersion"] in supported, (case.name, cluster.inputs["kubernetesVersion"])
            checked += 1
    assert checked >= 2
