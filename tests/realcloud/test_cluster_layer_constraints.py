"""What real clusters, charts and controllers require of the cluster layer that mocks cannot
see, asserted over every case of every cloud (the shipped stacks and every generated preset,
region and environment; tests/realcloud/conftest.py). One test per constraint; each docstring
names its source (facts in docs/research/cluster-layer.md, sections 1-4, read 2026-12-03)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from blueprint.catalog import Cloud, cluster_autoscaler_images, kubernetes_calendar, load_charts
from blueprint.clock import today
from blueprint.engine.model import SECRET_SIG_KEY, ResourceRecord
from tests.realcloud.conftest import Case

RELEASE = "kubernetes:helm.sh/v3:Release"
PROVIDER = "pulumi:providers:kubernetes"
CLUSTER_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue"
KUEUE_KINDS = ("ResourceFlavor", "ClusterQueue", "LocalQueue")
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


@pytest.fixture(scope="module")
def every_case(realcloud_cases: Callable[[Cloud], list[Case]]) -> dict[Cloud, list[Case]]:
    return {cloud: realcloud_cases(cloud) for cloud in ("aws", "gcp", "azure")}


def layered(every_case: dict[Cloud, list[Case]], *clouds: Cloud) -> Iterator[Case]:
    for cloud in clouds or ("aws", "gcp", "azure"):
        for case in every_case[cloud]:
            if case.blueprint.cluster.in_cluster.enabled:
                yield case


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        if SECRET_SIG_KEY in value:
            return plain(value["value"])
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def releases(case: Case) -> dict[str, ResourceRecord]:
    return {str(r.inputs["name"]): r for r in case.of_type(RELEASE)}


def kubeconfig(case: Case) -> dict[str, Any]:
    (provider,) = case.of_type(PROVIDER)
    return yaml.safe_load(plain(provider.inputs["kubeconfig"]))


def test_cases_have_the_layer_on(every_case: dict[Cloud, list[Case]]) -> None:
    """Guard: the constraints below are vacuous if no case installs the layer."""
    for cloud in ("aws", "gcp", "azure"):
        assert sum(1 for _ in layered(every_case, cloud)) >= 10, cloud


def test_device_plugin_is_never_installed_in_the_default_namespace(every_case: dict[Cloud, list[Case]]) -> None:
    """NVIDIA k8s-device-plugin v0.20.0 `deployments/helm/nvidia-device-plugin/templates/validation.yml`
    (github.com/NVIDIA/k8s-device-plugin, commit 1b826acc): the chart fails to render in `default`
    unless `allowDefaultNamespace=true`, and fails when a `namespace` value is set."""
    seen = 0
    for case in layered(every_case):
        release = releases(case).get("nvidia-device-plugin")
        if release is None:
            continue
        seen += 1
        values = plain(release.inputs["values"])
        assert release.inputs["namespace"] not in (None, "", "default"), case.name
        assert "namespace" not in values and "allowDefaultNamespace" not in values, case.name
    assert seen >= 10


def test_cluster_autoscaler_image_minor_is_the_cluster_minor_for_every_supported_eks_version(
    every_case: dict[Cloud, list[Case]],
) -> None:
    """kubernetes/autoscaler README (tag cluster-autoscaler-1.36.1): "use the latest Cluster
    Autoscaler release that corresponds to the minor version of Kubernetes"; releases tagged
    cluster-autoscaler-1.35.0 and -1.36.1 (github.com/kubernetes/autoscaler)."""
    images = cluster_autoscaler_images()
    supported = kubernetes_calendar().supported("aws", today())
    assert supported
    for version in supported:
        assert version in images, f"EKS {version} is supported today but has no Cluster Autoscaler image"
        assert re.fullmatch(r"v\d+\.\d+\.\d+", images[version])
        assert images[version].removeprefix("v").split(".")[:2] == version.split("."), version
    for case in layered(every_case, "aws"):
        tag = plain(releases(case)["cluster-autoscaler"].inputs["values"])["image"]["tag"]
        assert tag.removeprefix("v").split(".")[:2] == case.blueprint.cluster.kubernetes_version.split("."), case.name


def test_cluster_queue_namespace_selector_is_set(every_case: dict[Cloud, list[Case]]) -> None:
    """Kueue v0.19.2 `apis/kueue/v1beta2/clusterqueue_types.go` (github.com/kubernetes-sigs/kueue,
    commit 8eab6877): namespaceSelector "Defaults to null which is a nothing selector (no
    namespaces eligible)" — a queue without one admits nothing."""
    seen = 0
    for case in layered(every_case):
        for r in case.of_type(CLUSTER_QUEUE):
            selector = plain(r.inputs["spec"]).get("namespaceSelector")
            assert isinstance(selector, dict), (case.name, r.name)
            assert selector.get("matchLabels") or selector.get("matchExpressions"), (case.name, r.name)
            seen += 1
    assert seen >= 20


def test_kueue_objects_use_v1beta2_and_cohort_name(every_case: dict[Cloud, list[Case]]) -> None:
    """Kueue v0.19.2 CRDs (`charts/kueue/templates/crd/`): v1beta2 is the storage version,
    v1beta1 is deprecated; in v1beta2 the ClusterQueue field is `cohortName` (v1beta1's
    `cohort` is gone, and an unknown field is pruned, leaving the queue without a cohort)."""
    for case in layered(every_case):
        kueue = [r for r in case.graph.resources if r.inputs.get("kind") in KUEUE_KINDS and r.custom]
        assert kueue, case.name
        assert {r.inputs["apiVersion"] for r in kueue} == {"kueue.x-k8s.io/v1beta2"}, case.name
        for r in case.of_type(CLUSTER_QUEUE):
            spec = plain(r.inputs["spec"])
            assert "cohort" not in spec and spec.get("cohortName"), (case.name, r.name)


def test_cluster_queues_cover_every_resource_a_gpu_job_requests(every_case: dict[Cloud, list[Case]]) -> None:
    """Kueue docs (site/content/en/docs/concepts/cluster_queue.md, v0.19.2) and the official
    `single-clusterqueue-setup.yaml`: a workload is admitted only if every resource it requests
    is covered by the ClusterQueue, and every flavor of a resource group lists every covered
    resource. GPU pods request cpu and memory as well as nvidia.com/gpu."""
    for case in layered(every_case):
        for r in case.of_type(CLUSTER_QUEUE):
            for group in plain(r.inputs["spec"])["resourceGroups"]:
                covered = group["coveredResources"]
                assert {"cpu", "memory", "nvidia.com/gpu"} <= set(covered), (case.name, r.name)
                for flavor in group["flavors"]:
                    assert [q["name"] for q in flavor["resources"]] == covered, (case.name, r.name, flavor["name"])


def test_gke_gets_no_device_plugin_from_us(every_case: dict[Cloud, list[Case]]) -> None:
    """GKE deploys its own NVIDIA device plugin DaemonSet on GPU nodes (container-engine-accelerators
    cmd/nvidia_gpu: "In GKE, from 1.9 onwards, this daemonset is automatically deployed as an
    addon"); NVIDIA AICR GKE guide: exactly one nvidia.com/gpu advertiser per node."""
    for case in layered(every_case, "gcp"):
        assert "nvidia-device-plugin" not in releases(case), case.name
        assert not [r for r in case.graph.resources if r.inputs.get("kind") == "DaemonSet"], case.name


def test_only_one_default_storage_class_is_created_by_us(every_case: dict[Cloud, list[Case]]) -> None:
    """Kubernetes docs, "Change the default StorageClass": with more than one class marked
    default, a PVC without storageClassName gets the newest — keep one default of our own."""
    for case in layered(every_case):
        defaults = [
            r
            for r in case.of_type(STORAGE_CLASS)
            if (r.inputs["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true"
        ]
        assert len(defaults) == 1, case.name


def test_aks_kubeconfig_never_logs_in_with_a_device_code(every_case: dict[Cloud, list[Case]]) -> None:
    """kubelogin (azure.github.io/kubelogin/concepts/aks.html): the AKS exec kubeconfig defaults to
    `--login devicecode`, which waits for a human; a Pulumi run needs a non-interactive login
    (`azurecli`) with the AKS AAD server id 6dae42f8-4368-4678-94ff-3960e28e3630."""
    for case in layered(every_case, "azure"):
        config = kubeconfig(case)
        for user in config["users"]:
            exec_ = user["user"]["exec"]
            args = exec_["args"]
            assert exec_["command"] == "kubelogin", case.name
            assert "devicecode" not in args, case.name
            assert args[args.index("--login") + 1] == "azurecli", case.name
            assert args[args.index("--server-id") + 1] == "6dae42f8-4368-4678-94ff-3960e28e3630"


def _dns_endpoint(cluster: ResourceRecord) -> str:
    endpoints = cluster.outputs.get("controlPlaneEndpointsConfig") or {}
    return str((endpoints.get("dnsEndpointConfig") or {}).get("endpoint") or "")


def test_gke_kubeconfig_server_is_the_dns_endpoint(every_case: dict[Cloud, list[Case]]) -> None:
    """gcloud container clusters get-credentials --dns-endpoint
    (cloud.google.com/sdk/gcloud/reference/container/clusters/get-credentials): the DNS endpoint
    `gke-<id>-<project number>.<region>.gke.goog`, reachable from outside the VPC with IAM, no CA
    data (publicly trusted certificate), tokens from gke-gcloud-auth-plugin."""
    for case in layered(every_case, "gcp"):
        (cluster,) = case.of_type("gcp:container/cluster:Cluster")
        endpoint = _dns_endpoint(cluster)
        (entry,) = kubeconfig(case)["clusters"]
        assert endpoint.endswith(".gke.goog"), (case.name, endpoint)
        assert entry["cluster"] == {"server": f"https://{endpoint}"}, case.name


def test_gke_kubeconfig_uses_the_auth_plugin_without_ca_data(every_case: dict[Cloud, list[Case]]) -> None:
    """Same source as the DNS endpoint: exec `gke-gcloud-auth-plugin` with provideClusterInfo, and
    no certificate-authority-data (the DNS endpoint's certificate is publicly trusted)."""
    for case in layered(every_case, "gcp"):
        config = kubeconfig(case)
        (entry,) = config["clusters"]
        assert "certificate-authority-data" not in entry["cluster"], case.name
        assert entry["cluster"]["server"].startswith("https://")
        (user,) = config["users"]
        assert user["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"
        assert user["user"]["exec"]["provideClusterInfo"] is True


def test_eks_deployer_access_entry_names_the_iam_role_not_the_sts_session(every_case: dict[Cloud, list[Case]]) -> None:
    """EKS access entries (docs.aws.amazon.com/eks/latest/userguide/access-entries.html;
    CreateAccessEntry principalArn): the principal is an IAM user or role ARN; an
    `arn:aws:sts::…:assumed-role/…` session ARN is refused. The mocked caller is an assumed role."""
    for case in layered(every_case, "aws"):
        entries = case.of_type("aws:eks/accessEntry:AccessEntry")
        associations = case.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
        for r in (*entries, *associations):
            arn = r.inputs["principalArn"]
            assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@/-]+", arn), (case.name, arn)
        # the mocks' caller is arn:aws:sts::<account>:assumed-role/ci-deployer/session
        deployer = [r for r in entries if r.inputs["principalArn"].endswith(":role/ci-deployer")]
        assert len(deployer) == 1, case.name
        assert {r.inputs["principalArn"] for r in associations} == {r.inputs["principalArn"] for r in entries}


def test_every_chart_pin_is_a_semver_version() -> None:
    """Helm (helm.sh/docs/topics/charts, "Charts and Versioning"): every chart version is SemVer 2;
    `helm install --version PENDING` finds no chart."""
    for key, chart in load_charts().items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", chart.version), (key, chart.version)
        assert chart.source.startswith("https://"), (key, chart.source)
