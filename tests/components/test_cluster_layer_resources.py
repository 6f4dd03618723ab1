"""The cluster layer (components/kubernetes/, components/aws/cluster_autoscaler.py) under
mocks, on every cloud: the shipped stacks, one generated stack per preset, and variants of the
dev stacks (Bottlerocket-only pools, the layer off, the distributed engine off). Each test
derives what it expects from the blueprint and the cloud resources of the same graph (the node
pools, the keys, the identities), not from the layer's own helpers, and the Kubernetes
objects are validated against the Kubernetes OpenAPI schemas (kubernetes-validate)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from blueprint.catalog import Cloud, cluster_autoscaler_images, load_charts
from blueprint.engine.model import SECRET_SIG_KEY, ResourceGraph, ResourceRecord
from blueprint.engine.synth import SynthError
from blueprint.engine.workers import synthesize_stacks
from blueprint.generator import render_stack
from blueprint.loader import load_stack_file
from blueprint.model import Blueprint
from blueprint.presets import PRESETS, build_preset

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = tuple(f"{c}-{e}" for c in ("aws", "gcp", "azure") for e in ("dev", "prod"))
GENERATED_REGION: dict[Cloud, str] = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}

PROVIDER = "pulumi:providers:kubernetes"
RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
QUOTA = "kubernetes:core/v1:ResourceQuota"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
FLAVOR = "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor"
CLUSTER_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue"
LOCAL_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue"
POOL_TYPES: dict[Cloud, str] = {
    "aws": "aws:eks/nodeGroup:NodeGroup",
    "gcp": "gcp:container/nodePool:NodePool",
    "azure": "azure-native:containerservice:AgentPool",
}
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


@dataclass(frozen=True, kw_only=True)
class Case:
    name: str
    cloud: Cloud
    blueprint: Blueprint
    graph: ResourceGraph

    def of_type(self, type_token: str) -> list[ResourceRecord]:
        return [r for r in self.graph.resources if r.type == type_token]

    def one(self, type_token: str, name: str) -> ResourceRecord:
        found = [r for r in self.of_type(type_token) if r.name == name]
        assert len(found) == 1, (type_token, name, [r.name for r in self.of_type(type_token)])
        return found[0]

    def releases(self) -> dict[str, ResourceRecord]:
        return {str(r.inputs["name"]): r for r in self.of_type(RELEASE)}


def _blueprint_of(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _variant(folder: Path, base: str, suffix: str, change: Any) -> Path:
    doc = _blueprint_of(ROOT / "stacks" / f"Pulumi.{base}.yaml")
    change(doc["config"]["ml-platform:blueprint"])
    path = folder / f"Pulumi.{base}-{suffix}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _bottlerocket(bp: dict[str, Any]) -> None:
    for pool in bp["gpuPools"]:
        pool["nodeImage"] = "bottlerocket"


def _layer(**values: bool) -> Any:
    def change(bp: dict[str, Any]) -> None:
        bp["cluster"].setdefault("inCluster", {}).update(values)

    return change


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    folder = tmp_path_factory.mktemp("layer-stacks")
    paths = [ROOT / "stacks" / f"Pulumi.{name}.yaml" for name in SHIPPED]
    for cloud, region in GENERATED_REGION.items():
        for preset in PRESETS:
            bp = build_preset(
                preset=preset, cloud=cloud, region=region, environment="dev", owner="ml@example.com", cost_center="ml"
            )
            path = folder / f"Pulumi.gen-{cloud}-{preset}.yaml"
            path.write_text(render_stack(bp, schema_ref="schema.json"), encoding="utf-8")
            paths.append(path)
    paths.append(_variant(folder, "aws-dev", "bottlerocket", _bottlerocket))
    for cloud in ("aws", "gcp", "azure"):
        paths.append(_variant(folder, f"{cloud}-dev", "off", _layer(enabled=False, distributedEngine=False)))
        # the shipped dev stacks run the engine: this variant does not
        paths.append(_variant(folder, f"{cloud}-dev", "noengine", _layer(distributedEngine=False)))
    results = synthesize_stacks(ROOT, paths, jobs=2)
    found: dict[str, Case] = {}
    for path, result in zip(paths, results, strict=True):
        if isinstance(result, SynthError):
            pytest.fail(str(result))
        sf = load_stack_file(path)
        found[sf.name] = Case(name=sf.name, cloud=sf.blueprint.cloud, blueprint=sf.blueprint, graph=result)
    return found


def each(cases: dict[str, Case], *, cloud: str | None = None, enabled: bool = True) -> Iterator[Case]:
    for case in cases.values():
        if (cloud is None or case.cloud == cloud) and case.blueprint.cluster.in_cluster.enabled == enabled:
            yield case


def is_layer(r: ResourceRecord) -> bool:
    return (
        r.type.startswith("kubernetes:")
        or r.type == PROVIDER
        or r.type.startswith("mlplat:kubernetes:")
        or r.type == "mlplat:aws:ClusterAutoscaler"
    )


def plain(value: Any) -> Any:
    """Wire form -> plain JSON: secrets unwrapped, integral floats back to ints (the mocks
    record every number as a float; the provider sends integers)."""
    if isinstance(value, dict):
        if SECRET_SIG_KEY in value:
            return plain(value["value"])
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def closure(case: Case, record: ResourceRecord) -> set[str]:
    """Every URN the record waits for, directly or through what it waits for."""
    by_urn = case.graph.by_urn()
    seen: set[str] = set()
    todo = [record]
    while todo:
        r = todo.pop()
        direct = set(r.dependencies) | {u for urns in r.property_dependencies.values() for u in urns}
        if r.provider:  # `<provider urn>::<provider id>`
            direct.add(r.provider.rsplit("::", 1)[0])
        for urn in direct - seen:
            seen.add(urn)
            if urn in by_urn:
                todo.append(by_urn[urn])
    return seen


def names(urns: set[str]) -> set[tuple[str, str]]:
    out = set()
    for urn in urns:
        parts = urn.split("::", 3)
        if len(parts) == 4:
            out.add((parts[2].rsplit("$", 1)[-1], parts[3]))
    return out


# --- which GPU pools need our device plugin, from the pool resources themselves -----------


def pool_resources(case: Case) -> dict[str, ResourceRecord]:
    """GPU pool name -> its node group / node pool / agent pool resource (by its mlplat/pool label)."""
    out = {}
    gpu_names = {p.name for p in case.blueprint.gpu_pools}
    for r in case.of_type(POOL_TYPES[case.cloud]):
        labels = pool_labels(case.cloud, r)
        if labels.get("mlplat/pool") in gpu_names:
            out[labels["mlplat/pool"]] = r
    return out


def pool_labels(cloud: Cloud, r: ResourceRecord) -> dict[str, str]:
    if cloud == "aws":
        return dict(r.inputs.get("labels") or {})
    if cloud == "gcp":
        return dict((r.inputs.get("nodeConfig") or {}).get("labels") or {})
    return dict(r.inputs.get("nodeLabels") or {})


EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def pool_taints(cloud: Cloud, r: ResourceRecord) -> set[tuple[str, str]]:
    """(key, effect) of every taint the pool's nodes are created with."""
    if cloud == "azure":
        out = set()
        for text in r.inputs.get("nodeTaints") or []:
            key_value, effect = text.rsplit(":", 1)
            out.add((key_value.split("=", 1)[0], effect))
        return out
    taints = r.inputs.get("taints") if cloud == "aws" else (r.inputs.get("nodeConfig") or {}).get("taints")
    return {(t["key"], EFFECTS[t["effect"]]) for t in taints or []}


def tolerated(taint: tuple[str, str], tolerations: list[dict[str, Any]]) -> bool:
    key, effect = taint
    return any(
        t.get("key") == key and t.get("operator") == "Exists" and t.get("effect") in (None, effect) for t in tolerations
    )


def expected_runtime(case: Case, pool_name: str) -> str:
    pool = next(p for p in case.blueprint.gpu_pools if p.name == pool_name)
    if case.cloud == "gcp":
        return "gke"
    if case.cloud == "aws" and pool.node_image == "bottlerocket":
        return "bottlerocket"
    return "nvidia-device-plugin"


def needs_plugin(case: Case) -> bool:
    return any(expected_runtime(case, p.name) == "nvidia-device-plugin" for p in case.blueprint.gpu_pools)


def queued(case: Case) -> list[Any]:
    return [w for w in case.blueprint.workloads if w.gpu.pools]


# --- 1. the exact set of resources ------------------------------------------------------------


def expected_layer(case: Case) -> set[tuple[str, str]]:
    bp = case.blueprint
    if not bp.cluster.in_cluster.enabled:
        return set()
    out = {
        (PROVIDER, "cluster-layer-provider"),
        ("mlplat:kubernetes:ClusterLayer", "cluster-layer"),
        ("mlplat:kubernetes:GpuRuntime", "cluster-layer-gpu-runtime"),
        ("mlplat:kubernetes:Tenancy", "cluster-layer-tenancy"),
        ("mlplat:kubernetes:GpuQueues", "cluster-layer-queues"),
        (RELEASE, "cluster-layer-queues-kueue"),
        (STORAGE_CLASS, "cluster-layer-storage-class"),
    }
    if needs_plugin(case):
        out.add((RELEASE, "cluster-layer-gpu-runtime-device-plugin"))
    if case.cloud == "aws":
        out |= {("mlplat:aws:ClusterAutoscaler", "cluster-autoscaler"), (RELEASE, "cluster-autoscaler-release")}
    if bp.cluster.in_cluster.distributed_engine:
        out |= {
            ("mlplat:kubernetes:DistributedEngine", "cluster-layer-engine"),
            (RELEASE, "cluster-layer-engine-kuberay"),
            (RELEASE, "cluster-layer-engine-jobset"),
        }
    for ns in {w.namespace for w in bp.workloads}:
        out |= {
            (NAMESPACE, f"cluster-layer-tenancy-{ns}"),
            (QUOTA, f"cluster-layer-tenancy-{ns}-gpu"),
            (NETPOL, f"cluster-layer-tenancy-{ns}-default-deny"),
        }
    out |= {(SERVICE_ACCOUNT, f"cluster-layer-tenancy-{w.name}") for w in bp.workloads}
    out |= {(FLAVOR, f"cluster-layer-queues-flavor-{p.name}") for p in bp.gpu_pools}
    for w in queued(case):
        out |= {
            (CLUSTER_QUEUE, f"cluster-layer-queues-cq-{w.name}"),
            (LOCAL_QUEUE, f"cluster-layer-queues-lq-{w.name}"),
        }
    return out


def test_every_case_has_exactly_the_expected_cluster_layer_resources(cases: dict[str, Case]) -> None:
    assert len(cases) == 6 + 9 + 1 + 6
    for case in cases.values():
        got = [(r.type, r.name) for r in case.graph.resources if is_layer(r)]
        assert len(got) == len(set(got)), case.name
        assert set(got) == expected_layer(case), case.name


def test_aws_dev_cluster_layer_written_out(cases: dict[str, Case]) -> None:
    """Written by hand from stacks/Pulumi.aws-dev.yaml: two pools (dev-a10g is Bottlerocket),
    two workloads in `ml`, both on both pools."""
    got = {(r.type, r.name) for r in cases["aws-dev"].graph.resources if is_layer(r)}
    assert got == {
        (PROVIDER, "cluster-layer-provider"),
        ("mlplat:kubernetes:ClusterLayer", "cluster-layer"),
        ("mlplat:kubernetes:GpuRuntime", "cluster-layer-gpu-runtime"),
        ("mlplat:kubernetes:Tenancy", "cluster-layer-tenancy"),
        ("mlplat:kubernetes:GpuQueues", "cluster-layer-queues"),
        ("mlplat:aws:ClusterAutoscaler", "cluster-autoscaler"),
        (RELEASE, "cluster-autoscaler-release"),
        (RELEASE, "cluster-layer-gpu-runtime-device-plugin"),
        ("mlplat:kubernetes:DistributedEngine", "cluster-layer-engine"),  # the shipped dev stack runs it
        (RELEASE, "cluster-layer-engine-kuberay"),
        (RELEASE, "cluster-layer-engine-jobset"),
        (RELEASE, "cluster-layer-queues-kueue"),
        (STORAGE_CLASS, "cluster-layer-storage-class"),
        (NAMESPACE, "cluster-layer-tenancy-ml"),
        (QUOTA, "cluster-layer-tenancy-ml-gpu"),
        (NETPOL, "cluster-layer-tenancy-ml-default-deny"),
        (SERVICE_ACCOUNT, "cluster-layer-tenancy-notebook"),
        (SERVICE_ACCOUNT, "cluster-layer-tenancy-trainer"),
        (FLAVOR, "cluster-layer-queues-flavor-dev-gpu"),
        (FLAVOR, "cluster-layer-queues-flavor-dev-a10g"),
        (CLUSTER_QUEUE, "cluster-layer-queues-cq-notebook"),
        (CLUSTER_QUEUE, "cluster-layer-queues-cq-trainer"),
        (LOCAL_QUEUE, "cluster-layer-queues-lq-notebook"),
        (LOCAL_QUEUE, "cluster-layer-queues-lq-trainer"),
    }


def test_every_layer_resource_uses_the_layer_provider(cases: dict[str, Case]) -> None:
    for case in each(cases):
        provider = case.one(PROVIDER, "cluster-layer-provider")
        for r in case.graph.resources:
            if r.custom and r.type.startswith("kubernetes:"):
                assert r.provider and r.provider.startswith(provider.urn + "::"), (case.name, r.name, r.provider)


# --- GPU runtime ------------------------------------------------------------------------------


def test_device_plugin_is_installed_exactly_where_a_pool_image_lacks_one(cases: dict[str, Case]) -> None:
    assert "nvidia-device-plugin" in cases["aws-dev"].releases()
    assert "nvidia-device-plugin" not in cases["aws-dev-bottlerocket"].releases()
    for name in ("gcp-dev", "gcp-prod", "gen-gcp-training", "gen-gcp-inference", "gen-gcp-dev"):
        assert "nvidia-device-plugin" not in cases[name].releases(), name
    for name in ("azure-dev", "azure-prod"):
        assert "nvidia-device-plugin" in cases[name].releases(), name


def test_device_plugin_tolerates_every_taint_of_its_pools_and_selects_their_runtime_label(
    cases: dict[str, Case],
) -> None:
    checked = 0
    for case in each(cases):
        release = case.releases().get("nvidia-device-plugin")
        if release is None:
            continue
        values = plain(release.inputs["values"])
        assert release.inputs["namespace"] == "nvidia-device-plugin"
        terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
            "nodeSelectorTerms"
        ]
        assert terms == [
            {"matchExpressions": [{"key": "mlplat/gpu-runtime", "operator": "In", "values": ["nvidia-device-plugin"]}]}
        ]
        for pool, r in pool_resources(case).items():
            if pool_labels(case.cloud, r)["mlplat/gpu-runtime"] != "nvidia-device-plugin":
                continue
            for taint in pool_taints(case.cloud, r):
                assert tolerated(taint, values["tolerations"]), (case.name, pool, taint, values["tolerations"])
                checked += 1
    spot = ("kubernetes.azure.com/scalesetpriority", "NoSchedule")
    azure_tolerations = plain(cases["azure-dev"].releases()["nvidia-device-plugin"].inputs["values"])["tolerations"]
    assert tolerated(spot, azure_tolerations)
    assert checked >= 10


def test_every_gpu_pool_resource_is_labelled_with_its_gpu_runtime(cases: dict[str, Case]) -> None:
    for case in cases.values():
        found = pool_resources(case)
        assert set(found) == {p.name for p in case.blueprint.gpu_pools}, case.name
        for pool, r in found.items():
            labels = pool_labels(case.cloud, r)
            assert labels.get("nvidia.com/gpu.present") == "true", (case.name, pool)
            assert labels.get("mlplat/gpu-runtime") == expected_runtime(case, pool), (case.name, pool)


# --- EKS Cluster Autoscaler -------------------------------------------------------------------


def test_eks_cluster_autoscaler_values(cases: dict[str, Case]) -> None:
    for case in each(cases, cloud="aws"):
        release = case.releases()["cluster-autoscaler"]
        values = plain(release.inputs["values"])
        eks = case.one("aws:eks/cluster:Cluster", "cluster-eks")
        binding = case.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "cluster-autoscaler-binding")
        version = case.blueprint.cluster.kubernetes_version
        assert values["autoDiscovery"]["clusterName"] == eks.outputs["name"], case.name
        assert values["awsRegion"] == case.blueprint.region
        assert values["cloudProvider"] == "aws"
        tag = values["image"]["tag"]
        assert tag == cluster_autoscaler_images()[version]
        assert tag.removeprefix("v").split(".")[:2] == version.split("."), (tag, version)
        assert values["rbac"]["serviceAccount"] == {"create": True, "name": binding.inputs["serviceAccount"]}
        assert release.inputs["namespace"] == binding.inputs["namespace"] == "kube-system"
        assert values["extraArgs"] == {
            "expander": "least-waste",
            "balance-similar-node-groups": True,
            "skip-nodes-with-local-storage": False,
            "scale-down-unneeded-time": "10m",
            "scale-down-delay-after-add": "10m",
            "max-node-provision-time": "15m",
        }
        assert binding.urn in release.dependencies, case.name


# --- Kueue --------------------------------------------------------------------------------------


def test_one_resource_flavor_per_gpu_pool_selecting_and_tolerating_it(cases: dict[str, Case]) -> None:
    for case in each(cases):
        flavors = {r.inputs["metadata"]["name"]: r for r in case.of_type(FLAVOR)}
        assert set(flavors) == {p.name for p in case.blueprint.gpu_pools}, case.name
        for pool, r in pool_resources(case).items():
            spec = plain(flavors[pool].inputs["spec"])
            assert spec["nodeLabels"] == {"mlplat/pool": pool}
            for taint in pool_taints(case.cloud, r):
                assert tolerated(taint, spec["tolerations"]), (case.name, pool, taint)


def _gpu_quota(flavor: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in flavor["resources"] if q["name"] == "nvidia.com/gpu")


def test_one_cluster_queue_per_queued_workload_with_its_share_of_each_pool(cases: dict[str, Case]) -> None:
    for case in each(cases):
        pools = {p.name: p for p in case.blueprint.gpu_pools}
        queues = {r.inputs["metadata"]["name"]: plain(r.inputs["spec"]) for r in case.of_type(CLUSTER_QUEUE)}
        assert set(queues) == {w.name for w in queued(case)}, case.name
        for w in queued(case):
            spec = queues[w.name]
            assert spec["cohortName"] and "cohort" not in spec
            assert spec["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": w.namespace}}
            (group,) = spec["resourceGroups"]
            assert group["coveredResources"] == ["cpu", "memory", "nvidia.com/gpu"]
            assert [f["name"] for f in group["flavors"]] == list(w.gpu.pools)
            for flavor in group["flavors"]:
                pool = pools[flavor["name"]]
                assert [q["name"] for q in flavor["resources"]] == group["coveredResources"]
                capacity = pool.max_nodes * pool.accelerator_count
                gpu = _gpu_quota(flavor)
                assert gpu["nominalQuota"] == math.floor(w.gpu.share_percent[pool.name] * capacity / 100), (
                    case.name,
                    w.name,
                    pool.name,
                )
                assert gpu["nominalQuota"] + gpu["borrowingLimit"] == capacity


def test_every_cluster_queue_is_in_one_cohort(cases: dict[str, Case]) -> None:
    for case in each(cases):
        cohorts = {r.inputs["spec"]["cohortName"] for r in case.of_type(CLUSTER_QUEUE)}
        assert len(cohorts) <= 1, case.name


def test_nominal_gpu_quotas_of_a_flavor_add_up_to_at_most_its_pool(cases: dict[str, Case]) -> None:
    for case in each(cases):
        capacity = {p.name: p.max_nodes * p.accelerator_count for p in case.blueprint.gpu_pools}
        total = dict.fromkeys(capacity, 0)
        for r in case.of_type(CLUSTER_QUEUE):
            for flavor in plain(r.inputs["spec"])["resourceGroups"][0]["flavors"]:
                total[flavor["name"]] += _gpu_quota(flavor)["nominalQuota"]
        assert all(total[p] <= capacity[p] for p in capacity), (case.name, total, capacity)


def test_one_local_queue_per_queued_workload_in_its_namespace(cases: dict[str, Case]) -> None:
    for case in each(cases):
        locals_ = {r.inputs["metadata"]["name"]: r for r in case.of_type(LOCAL_QUEUE)}
        assert set(locals_) == {w.name for w in queued(case)}
        for w in queued(case):
            r = locals_[w.name]
            assert r.inputs["metadata"]["namespace"] == w.namespace
            assert r.inputs["spec"] == {"clusterQueue": w.name}
            cq = case.one(CLUSTER_QUEUE, f"cluster-layer-queues-cq-{w.name}")
            ns = case.one(NAMESPACE, f"cluster-layer-tenancy-{w.namespace}")
            assert {cq.urn, ns.urn} <= set(r.dependencies)


def test_kueue_objects_wait_for_the_kueue_release(cases: dict[str, Case]) -> None:
    for case in each(cases):
        kueue = case.one(RELEASE, "cluster-layer-queues-kueue")
        assert kueue.inputs["chart"] == "oci://registry.k8s.io/kueue/charts/kueue"
        for t in (FLAVOR, CLUSTER_QUEUE, LOCAL_QUEUE):
            for r in case.of_type(t):
                assert kueue.urn in closure(case, r), (case.name, r.name)
        for r in (*case.of_type(FLAVOR), *case.of_type(CLUSTER_QUEUE)):
            assert kueue.urn in r.dependencies, (case.name, r.name)


# --- tenancy ------------------------------------------------------------------------------------


def test_one_namespace_per_workload_namespace(cases: dict[str, Case]) -> None:
    for case in each(cases):
        got = sorted(r.inputs["metadata"]["name"] for r in case.of_type(NAMESPACE))
        assert got == sorted({w.namespace for w in case.blueprint.workloads}), case.name


def _expected_annotations(case: Case, workload: str) -> dict[str, str] | None:
    if case.cloud == "gcp":
        gsa = case.one("gcp:serviceaccount/account:Account", f"{workload}-sa")
        return {"iam.gke.io/gcp-service-account": gsa.outputs["email"]}
    if case.cloud == "azure":
        identity = case.one("azure-native:managedidentity:UserAssignedIdentity", f"{workload}-identity")
        return {"azure.workload.identity/client-id": identity.outputs["clientId"]}
    return None


def test_service_accounts_carry_their_cloud_identity_annotation(cases: dict[str, Case]) -> None:
    for case in each(cases):
        for w in case.blueprint.workloads:
            sa = case.one(SERVICE_ACCOUNT, f"cluster-layer-tenancy-{w.name}")
            metadata = plain(sa.inputs["metadata"])
            assert (metadata["name"], metadata["namespace"]) == (w.service_account, w.namespace)
            assert metadata.get("annotations") == _expected_annotations(case, w.name), (case.name, w.name)


def test_aws_service_accounts_are_the_pod_identity_associations(cases: dict[str, Case]) -> None:
    for case in each(cases, cloud="aws"):
        bound = {
            (r.inputs["namespace"], r.inputs["serviceAccount"])
            for r in case.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
        }
        for w in case.blueprint.workloads:
            assert (w.namespace, w.service_account) in bound, (case.name, w.name)


def test_gpu_quota_of_a_namespace_is_the_capacity_of_its_workloads_pools(cases: dict[str, Case]) -> None:
    for case in each(cases):
        pools = {p.name: p for p in case.blueprint.gpu_pools}
        for ns in {w.namespace for w in case.blueprint.workloads}:
            used = {p for w in case.blueprint.workloads if w.namespace == ns for p in w.gpu.pools}
            quota = case.one(QUOTA, f"cluster-layer-tenancy-{ns}-gpu")
            expected = sum(pools[p].max_nodes * pools[p].accelerator_count for p in used)
            assert quota.inputs["spec"] == {"hard": {"requests.nvidia.com/gpu": str(expected)}}, (case.name, ns)
            assert quota.inputs["metadata"]["namespace"] == ns


IDENTITY_EGRESS: dict[Cloud, list[dict[str, Any]]] = {
    "aws": [{"to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]}],
    "gcp": [
        {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [{"protocol": "TCP", "port": 80}]},
        {"to": [{"ipBlock": {"cidr": "169.254.169.252/32"}}], "ports": [{"protocol": "TCP", "port": 988}]},
    ],
    "azure": [],
}


def test_network_policy_denies_by_default_and_allows_dns_https_and_identity(cases: dict[str, Case]) -> None:
    for case in each(cases):
        for ns in {w.namespace for w in case.blueprint.workloads}:
            policy = case.one(NETPOL, f"cluster-layer-tenancy-{ns}-default-deny")
            spec = plain(policy.inputs["spec"])
            assert spec["podSelector"] == {}
            assert spec["policyTypes"] == ["Ingress", "Egress"]
            assert spec["egress"] == [
                {"to": [{"podSelector": {}}]},
                {
                    "to": [
                        {
                            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                },
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]},
                *IDENTITY_EGRESS[case.cloud],
            ], case.name
            ingress = [{"from": [{"podSelector": {}}]}]
            if case.blueprint.cluster.in_cluster.distributed_engine:
                ingress.append(
                    {
                        "from": [
                            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kuberay-operator"}}}
                        ],
                        "ports": [{"protocol": "TCP", "port": 8265}],
                    }
                )
            assert spec["ingress"] == ingress, case.name


# --- storage class and provider -----------------------------------------------------------------


def _key_parameter(case: Case) -> tuple[str, str, str]:
    """(provisioner, parameter, the platform key's id/ARN) per cloud."""
    if case.cloud == "aws":
        key = case.one("aws:kms/key:Key", "platform-key")
        return "ebs.csi.aws.com", "kmsKeyId", key.outputs["arn"]
    if case.cloud == "gcp":
        key = case.one("gcp:kms/cryptoKey:CryptoKey", "platform-key")
        return "pd.csi.storage.gke.io", "disk-encryption-kms-key", str(key.id)
    des = case.one("azure-native:compute:DiskEncryptionSet", "platform-des")
    return "disk.csi.azure.com", "diskEncryptionSetID", str(des.id)


def test_default_storage_class_uses_the_cloud_csi_driver_and_the_platform_key(cases: dict[str, Case]) -> None:
    for case in each(cases):
        (sc,) = case.of_type(STORAGE_CLASS)
        provisioner, parameter, key = _key_parameter(case)
        assert sc.inputs["metadata"]["annotations"] == {DEFAULT_CLASS: "true"}
        assert sc.inputs["provisioner"] == provisioner
        assert plain(sc.inputs["parameters"])[parameter] == key, case.name
        assert sc.inputs["volumeBindingMode"] == "WaitForFirstConsumer"


CLUSTERS: dict[Cloud, tuple[str, str]] = {
    "aws": ("aws:eks/cluster:Cluster", "cluster-eks"),
    "gcp": ("gcp:container/cluster:Cluster", "cluster-gke"),
    "azure": ("azure-native:containerservice:ManagedCluster", "cluster-aks"),
}


def test_provider_is_built_from_the_cluster_outputs(cases: dict[str, Case]) -> None:
    for case in each(cases):
        provider = case.one(PROVIDER, "cluster-layer-provider")
        cluster = case.one(*CLUSTERS[case.cloud])
        assert provider.inputs["clusterIdentifier"] == cluster.outputs["name"], case.name
        assert cluster.urn in provider.property_dependencies["kubeconfig"]
        assert provider.inputs["kubeconfig"].get(SECRET_SIG_KEY), "the kubeconfig is a secret"
        config = yaml.safe_load(plain(provider.inputs["kubeconfig"]))
        (entry,) = config["clusters"]
        if case.cloud == "aws":
            assert entry["cluster"]["server"] == cluster.outputs["endpoint"]
            assert config["users"][0]["user"]["exec"]["args"][2:4] == ["--cluster-name", cluster.outputs["name"]]
        if case.cloud == "azure":
            fqdn = cluster.outputs["privateFQDN" if case.blueprint.cluster.private_endpoint else "fqdn"]
            assert entry["cluster"]["server"] == f"https://{fqdn}:443", case.name


# --- the layer off, the engine on ---------------------------------------------------------------


def test_layer_off_creates_no_kubernetes_resource_and_no_deployer_access(cases: dict[str, Case]) -> None:
    for cloud in ("aws", "gcp", "azure"):
        case = cases[f"{cloud}-dev-off"]
        assert [r.name for r in case.graph.resources if is_layer(r)] == []
        assert [r.name for r in case.graph.resources if "kubernetes" in r.type] == []
    aws = cases["aws-dev-off"]
    assert aws.of_type("aws:eks/accessEntry:AccessEntry") == []
    assert aws.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation") == []
    assert len(cases["aws-dev"].of_type("aws:eks/accessEntry:AccessEntry")) == 1


def test_distributed_engine_releases_follow_kueue(cases: dict[str, Case]) -> None:
    for cloud in ("aws", "gcp", "azure"):
        on, off = cases[f"{cloud}-dev"], cases[f"{cloud}-dev-noengine"]
        assert on.blueprint.cluster.in_cluster.distributed_engine, cloud
        releases = on.releases()
        kueue = releases["kueue"]
        for chart in ("kuberay-operator", "jobset"):
            assert releases[chart].inputs["namespace"] == load_charts()[chart].namespace
            assert kueue.urn in releases[chart].dependencies, (cloud, chart)
            assert chart not in off.releases()


# --- what the layer waits for ---------------------------------------------------------------------


def _readiness(case: Case) -> set[str]:
    if case.cloud == "aws":
        return {
            case.one("aws:eks/nodeGroup:NodeGroup", "cluster-system").urn,
            case.one("aws:eks/addon:Addon", "ebs-csi-addon").urn,
            *(r.urn for r in case.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")),
        }
    if case.cloud == "azure":
        return {case.one("time:index/sleep:Sleep", "cluster-admin-propagated").urn}
    return {case.one("gcp:container/nodePool:NodePool", "cluster-system").urn}


def test_layer_releases_and_storage_class_wait_for_the_cluster_to_be_ready(cases: dict[str, Case]) -> None:
    for case in each(cases):
        ready = _readiness(case)
        assert len(ready) >= (3 if case.cloud == "aws" else 1)
        for r in (*case.of_type(RELEASE), *case.of_type(STORAGE_CLASS)):
            needed = ready
            if r.name == "cluster-autoscaler-release":  # needs no volumes: its Pod Identity instead
                needed = {u for u in ready if not u.endswith("::ebs-csi-addon")}
                needed.add(
                    case.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "cluster-autoscaler-binding").urn
                )
            assert needed <= set(r.dependencies), (case.name, r.name, names(needed - set(r.dependencies)))


def test_every_kubernetes_object_waits_for_the_cluster_to_be_ready(cases: dict[str, Case]) -> None:
    for case in each(cases):
        ready = _readiness(case)
        for r in case.graph.resources:
            if r.custom and r.type.startswith("kubernetes:"):
                needed = ready
                if r.name == "cluster-autoscaler-release":  # needs no volumes
                    needed = {u for u in ready if not u.endswith("::ebs-csi-addon")}
                missing = needed - closure(case, r)
                assert not missing, (case.name, r.type, r.name, names(missing))


# --- 3. Kubernetes OpenAPI schemas ------------------------------------------------------------------

SCHEMA_TYPES = (NAMESPACE, SERVICE_ACCOUNT, QUOTA, NETPOL, STORAGE_CLASS)


def manifest(r: ResourceRecord) -> dict[str, Any]:
    return {k: v for k, v in plain(dict(r.inputs)).items() if not k.startswith("__")}


def schema_versions(case: Case) -> list[str]:
    """Kubernetes 1.35 and the stack's own version (kubernetes-validate 1.37.0 ships 1.35-1.37)."""
    return sorted({"1.35.0", f"{case.blueprint.cluster.kubernetes_version}.0"})


def test_kubernetes_objects_validate_against_the_openapi_schemas_strictly(cases: dict[str, Case]) -> None:
    validated = 0
    for case in each(cases):
        for r in case.graph.resources:
            if r.type not in SCHEMA_TYPES:
                continue
            for version in schema_versions(case):
                try:
                    kubernetes_validate.validate(manifest(r), version, strict=True)
                except kubernetes_validate.ValidationError as exc:
                    pytest.fail(f"{case.name} {r.type} {r.name} (Kubernetes {version}): {exc}")
                validated += 1
    assert validated >= 5 * 15


def test_schema_validation_catches_a_misspelt_field() -> None:
    """The strict schemas refuse what the cluster would refuse: the check is not vacuous."""
    bad = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "x", "namespace": "ml"},
        "spec": {"podSelector": {}, "policyType": ["Ingress"]},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, "1.35.0", strict=True)
    bad_port = json.loads(json.dumps(bad).replace('"policyType"', '"policyTypes"'))
    bad_port["spec"]["egress"] = [{"ports": [{"protocol": "TCP", "port": 53.5}]}]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad_port, "1.35.0", strict=True)
