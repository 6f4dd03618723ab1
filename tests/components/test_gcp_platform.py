"""The GCP components, synthesized from the shipped stacks under mocks: the exact resources
and the properties that make them secure and cheap."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

import pytest
import yaml

from blueprint.catalog import load_catalog
from blueprint.engine.model import ResourceGraph, ResourceRecord
from blueprint.engine.synth import SynthError, synthesize_stacks
from blueprint.loader import load_stack_file
from blueprint.model import AutoscalingGroup as GroupSpec
from blueprint.model import Blueprint, GpuPool
from components.common.sdk import resource_parameters
from components.common.tagging import REQUIRED_TAG_KEYS
from components.gcp.autoscaling_group import gpu_zones as asg_gpu_zones
from components.gcp.autoscaling_group import has_gpus, is_spot, network_project
from components.gcp.cluster import kubeconfig
from components.gcp.encryption_key import EncryptionKey, EncryptionKeyArgs
from components.gcp.gpu_node_pool import node_locations
from components.gcp.naming import cluster_name, firewall_name, service_account_id
from components.gcp.network import lookup_subnetwork
from components.gcp.notification_channel import email_resource_name
from tests.components.conftest import ROOT, cluster_layer_counts, of_type, parent_name

GCP_STACKS = ("gcp-dev", "gcp-prod")
PROJECT = "my-ml-project"
PROJECT_NUMBER = "123456789012"  # what the mocks' getProject answers
GCS_AGENT = f"serviceAccount:service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com"
GKE_AGENT = f"serviceAccount:service-{PROJECT_NUMBER}@container-engine-robot.iam.gserviceaccount.com"
COMPUTE_AGENT = f"serviceAccount:service-{PROJECT_NUMBER}@compute-system.iam.gserviceaccount.com"
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
IAM_MEMBER_TYPES = (
    "gcp:projects/iAMMember:IAMMember",
    "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
)
NODE_POOL = "gcp:container/nodePool:NodePool"
BUCKET = "gcp:storage/bucket:Bucket"
FIREWALL = "gcp:compute/firewall:Firewall"


@pytest.fixture(scope="module")
def gcp_graphs() -> dict[str, ResourceGraph]:
    paths = [ROOT / "stacks" / f"Pulumi.{name}.yaml" for name in GCP_STACKS]
    results = synthesize_stacks(ROOT, paths, jobs=2)
    graphs: dict[str, ResourceGraph] = {}
    for name, result in zip(GCP_STACKS, results, strict=True):
        if isinstance(result, SynthError):
            pytest.fail(str(result))
        graphs[name] = result
    return graphs


@pytest.fixture(scope="module")
def gcp_blueprints() -> dict[str, Blueprint]:
    return {name: load_stack_file(ROOT / "stacks" / f"Pulumi.{name}.yaml").blueprint for name in GCP_STACKS}


# Written out by hand from the stacks: a changed count is a changed deployment.
EXPECTED_DEV = {
    "gcp:billing/budget:Budget": 2,  # the stack's labelled costs + the whole project
    "gcp:projects/service:Service": 10,  # every API in components/gcp/apis.py
    "pulumi:providers:gcp": 1,  # the budgets' provider with a quota project
    "mlplat:gcp:ProjectApis": 1,
    "gcp:compute/firewall:Firewall": 3,  # batch-cpu, egress web: allow 80/443, allow internal, deny the rest
    "gcp:compute/instanceTemplate:InstanceTemplate": 1,  # batch-cpu
    "gcp:compute/network:Network": 1,
    "gcp:compute/regionAutoscaler:RegionAutoscaler": 1,
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": 1,
    "gcp:compute/router:Router": 1,
    "gcp:compute/routerNat:RouterNat": 1,
    "gcp:compute/subnetwork:Subnetwork": 1,
    "gcp:container/cluster:Cluster": 1,
    "gcp:container/nodePool:NodePool": 3,  # system + dev-gpu + dev-l4
    "gcp:kms/cryptoKey:CryptoKey": 1,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": 3,  # storage, GKE and Compute agents; no keyAccess
    "gcp:kms/keyRing:KeyRing": 1,
    "gcp:monitoring/notificationChannel:NotificationChannel": 1,  # one monitoring contact (the budget's)
    "gcp:projects/iAMMember:IAMMember": 4,  # node account 2 roles + batch-cpu account 2 roles
    "gcp:serviceaccount/account:Account": 4,  # nodes, notebook, trainer, batch-cpu
    "gcp:serviceaccount/iAMMember:IAMMember": 2,  # one Workload Identity binding per workload
    "gcp:storage/bucket:Bucket": 3,  # internal data: no log bucket
    "gcp:storage/bucketIAMMember:BucketIAMMember": 4,  # notebook 2 buckets + trainer 2 buckets
    "mlplat:gcp:AutoscalingGroup": 1,
    "mlplat:gcp:Budget": 1,
    "mlplat:gcp:Cluster": 1,
    "mlplat:gcp:EncryptionKey": 1,
    "mlplat:gcp:GpuNodePool": 2,
    "mlplat:gcp:Network": 1,
    "mlplat:gcp:NodeServiceAccount": 1,
    "mlplat:gcp:NotificationChannel": 1,  # the stack's channels, which the budgets use
    "mlplat:gcp:Platform": 1,
    "mlplat:gcp:TieredBucket": 3,
    "mlplat:gcp:WorkloadIdentity": 2,
    # The cluster layer (Kueue, KubeRay, JobSet; GKE brings its own device plugin), one namespace.
    **cluster_layer_counts(releases=3),
}
EXPECTED_PROD = {
    **EXPECTED_DEV,
    "kubernetes:core/v1:Namespace": 2,  # training, serving
    "kubernetes:core/v1:ResourceQuota": 2,
    "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor": 3,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 2,
    "gcp:container/nodePool:NodePool": 4,  # system + train + eval + serve
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": 4,  # 3 agents + server keyAccess decrypt
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": 1,  # confidential data: Data Access audit logs
    # trainer 3 + server 1 + data-prep 1; usage logs are opt-in
    "gcp:storage/bucketIAMMember:BucketIAMMember": 5,
    "mlplat:gcp:GpuNodePool": 3,
}


@pytest.mark.parametrize(("stack", "expected"), [("gcp-dev", EXPECTED_DEV), ("gcp-prod", EXPECTED_PROD)])
def test_exact_resource_counts(gcp_graphs: dict[str, ResourceGraph], stack: str, expected: dict[str, int]) -> None:
    assert dict(Counter(r.type for r in gcp_graphs[stack].resources)) == expected


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_every_child_has_a_component_parent(gcp_graphs: dict[str, ResourceGraph], stack: str) -> None:
    graph = gcp_graphs[stack]
    for r in graph.resources:
        if r.type != "mlplat:gcp:Platform":
            assert r.parent is not None and graph.by_urn()[r.parent].type.startswith(
                ("mlplat:gcp:", "mlplat:kubernetes:")
            ), r.urn


def _key_id(graph: ResourceGraph) -> str:
    key = of_type(graph, "gcp:kms/cryptoKey:CryptoKey")[0]
    assert key.id and key.id.startswith(f"projects/{PROJECT}/locations/europe-west4/keyRings/")
    return key.id


def _node_email(graph: ResourceGraph, stack: str) -> str:
    return f"{service_account_id(stack, 'nodes')}@{PROJECT}.iam.gserviceaccount.com"


def _pool(graph: ResourceGraph, name: str) -> ResourceRecord:
    return next(r for r in of_type(graph, NODE_POOL) if r.name == f"{name}-np")


# -- GPU pools ---------------------------------------------------------------------------
# Hand-written from the catalog: neutral accelerator x count -> machine, accelerator type.
GPU_SHAPES = {
    "dev-gpu": ("n1-standard-8", "nvidia-tesla-t4", 1),
    "dev-l4": ("g2-standard-8", "nvidia-l4", 1),
    "train": ("a2-ultragpu-8g", "nvidia-a100-80gb", 8),
    "eval": ("g2-standard-8", "nvidia-l4", 1),
    "serve": ("g2-standard-8", "nvidia-l4", 1),
}


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_gpu_pools_attach_catalog_accelerators_with_gke_installed_drivers(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = gcp_graphs[stack], gcp_blueprints[stack]
    assert bp.gpu_pools
    for spec in bp.gpu_pools:
        config = _pool(graph, spec.name).inputs["nodeConfig"]
        machine, accelerator, count = GPU_SHAPES[spec.name]
        assert config["machineType"] == machine
        assert config["guestAccelerators"] == [
            {"type": accelerator, "count": count, "gpuDriverInstallationConfig": {"gpuDriverVersion": "DEFAULT"}}
        ]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_gpu_pools_spot_scaling_taints_and_labels_follow_the_blueprint(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = gcp_graphs[stack], gcp_blueprints[stack]
    effects = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}
    for spec in bp.gpu_pools:
        pool = _pool(graph, spec.name)
        config = pool.inputs["nodeConfig"]
        assert config["spot"] is (spec.capacity == "spot"), spec.name
        assert pool.inputs["autoscaling"] == {
            "totalMinNodeCount": spec.min_nodes,
            "totalMaxNodeCount": spec.max_nodes,
            "locationPolicy": "ANY",
        }
        zones = len(pool.inputs.get("nodeLocations") or ()) or 3
        # Per zone: the pool starts at its minimum (0 stays 0), the autoscaler trims any excess.
        assert pool.inputs["initialNodeCount"] == -(-spec.min_nodes // zones)
        assert pool.inputs["initialNodeCount"] * zones >= spec.min_nodes
        assert pool.ignore_changes == ("initialNodeCount",)
        # GKE taints GPU nodes nvidia.com/gpu=present itself; ours matches it.
        want = [
            {"key": t.key, "value": "present" if t.key == "nvidia.com/gpu" else t.value, "effect": effects[t.effect]}
            for t in spec.taints
        ]
        assert config["taints"] == want
        assert config["labels"] == {
            **spec.labels,
            "mlplat/pool": spec.name,
            "mlplat/workload": spec.workload,
            "mlplat/accelerator": spec.accelerator,
            "mlplat/capacity": spec.capacity,
            # GKE advertises the GPUs itself: the cluster layer's device plugin must stay off
            "mlplat/gpu-runtime": "gke",
            "nvidia.com/gpu.present": "true",
        }
        assert config["diskSizeGb"] == spec.disk_size_gib


# Hand-written from catalog.yaml gcpGpuZones: the europe-west4 zones that carry each pool's GPU.
EW4_ALL = ["europe-west4-a", "europe-west4-b", "europe-west4-c"]
GPU_POOL_ZONES = {
    "gcp-dev": {"dev-gpu": EW4_ALL, "dev-l4": EW4_ALL},  # T4, L4
    "gcp-prod": {"train": ["europe-west4-a"], "eval": EW4_ALL, "serve": EW4_ALL},  # A100 80GB: zone a only
}


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_gpu_pools_are_placed_only_in_zones_that_carry_their_gpu(
    gcp_graphs: dict[str, ResourceGraph], stack: str
) -> None:
    pools = {p.name: p.inputs for p in of_type(gcp_graphs[stack], NODE_POOL)}
    system = pools.pop("cluster-system")
    assert {name.removesuffix("-np"): i["nodeLocations"] for name, i in pools.items()} == GPU_POOL_ZONES[stack]
    assert "nodeLocations" not in system  # CPU nodes: the cluster's default zones
    mig = of_type(gcp_graphs[stack], "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager")[0]
    assert "distributionPolicyZones" not in mig.inputs  # n2-standard-8 carries no GPU


def _gpu_pool(accelerator: str, count: int) -> GpuPool:
    machine = load_catalog().gpu_machine(accelerator, "gcp", count)
    assert machine is not None
    return GpuPool(
        name="p",
        accelerator=accelerator,
        accelerator_count=count,
        instance_type=machine.name,
        max_nodes=1,
        expected_average_nodes=0,
    )


def test_node_locations_follow_the_catalog_and_fall_back_without_zone_data() -> None:
    assert node_locations(_gpu_pool("a100-80gb", 8), "us-central1") == ["us-central1-a", "us-central1-c"]
    assert node_locations(_gpu_pool("l4", 1), "us-east4") == ["us-east4-a", "us-east4-c"]
    # No zone data for H100 in europe-north1: no node_locations, GKE's default zones.
    assert node_locations(_gpu_pool("h100", 8), "europe-north1") is None


def _group(*types: str) -> GroupSpec:
    return GroupSpec(name="g", instance_types=types, max_size=2, expected_average_size=1.0)


def test_vm_groups_of_gpu_machine_types_use_only_zones_carrying_every_gpu() -> None:
    assert asg_gpu_zones(_group("n2-standard-8"), "europe-west4") is None  # CPU: GCP picks the zones
    assert asg_gpu_zones(_group("n1-standard-8"), "europe-west4") is None  # no GPU attached by the template
    assert asg_gpu_zones(_group("g2-standard-8"), "us-east4") == ["us-east4-a", "us-east4-c"]
    assert asg_gpu_zones(_group("g2-standard-8", "a2-ultragpu-1g", "n2-standard-8"), "europe-west4") == [
        "europe-west4-a"
    ]
    assert asg_gpu_zones(_group("a3-highgpu-8g"), "europe-north1") is None  # no zone data: default zones
    with pytest.raises(ValueError, match=r"autoscalingGroups\[g\]: no zone of europe-west4 carries all of "):
        asg_gpu_zones(_group("a2-ultragpu-1g", "a3-highgpu-8g"), "europe-west4")  # zone a vs b, c


def test_prod_pools_spot_and_taints_as_literals(gcp_graphs: dict[str, ResourceGraph]) -> None:
    """The checks above against the blueprint, pinned to literal values once."""
    graph = gcp_graphs["gcp-prod"]
    configs = {name: _pool(graph, name).inputs["nodeConfig"] for name in ("train", "eval", "serve")}
    assert {n: c["spot"] for n, c in configs.items()} == {"train": True, "eval": True, "serve": False}
    assert configs["serve"]["taints"] == [
        {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"},
        {"key": "workload", "value": "inference", "effect": "NO_SCHEDULE"},
    ]
    assert _pool(graph, "serve").inputs["autoscaling"]["totalMinNodeCount"] == 1


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_every_node_pool_is_shielded_cmek_encrypted_and_uses_the_node_account(
    gcp_graphs: dict[str, ResourceGraph], stack: str
) -> None:
    graph = gcp_graphs[stack]
    key_id, email = _key_id(graph), _node_email(graph, stack)
    pools = of_type(graph, NODE_POOL)
    cluster = of_type(graph, "gcp:container/cluster:Cluster")[0]
    for config in [p.inputs["nodeConfig"] for p in pools] + [cluster.inputs["nodeConfig"]]:
        assert config["bootDiskKmsKey"] == key_id
        assert config["serviceAccount"] == email  # never the Compute Engine default account
        assert config["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
        assert config["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
        assert config["oauthScopes"] == ["https://www.googleapis.com/auth/cloud-platform"]
    system = next(p for p in pools if p.name == "cluster-system")
    assert system.inputs["nodeConfig"]["spot"] is False
    assert "guestAccelerators" not in system.inputs["nodeConfig"]
    assert system.inputs["autoscaling"]["locationPolicy"] == "BALANCED"
    assert all(p.inputs["cluster"] == cluster.id for p in pools)


def test_system_pool_bounds_follow_the_blueprint(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint]
) -> None:
    for stack, (lo, hi) in (("gcp-dev", (2, 3)), ("gcp-prod", (2, 4))):
        system = next(p for p in of_type(gcp_graphs[stack], NODE_POOL) if p.name == "cluster-system")
        auto = system.inputs["autoscaling"]
        assert (auto["totalMinNodeCount"], auto["totalMaxNodeCount"]) == (lo, hi), stack
        assert system.inputs["initialNodeCount"] == 1  # per zone: 3 nodes >= the minimum of 2
        assert system.inputs["nodeConfig"]["machineType"] == gcp_blueprints[stack].cluster.system_pool.instance_type


# -- cluster -----------------------------------------------------------------------------
@pytest.mark.parametrize("stack", GCP_STACKS)
def test_cluster_is_private_with_workload_identity_shielded_and_cmek_secrets(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph = gcp_graphs[stack]
    gke = of_type(graph, "gcp:container/cluster:Cluster")[0]
    i = gke.inputs
    assert i["name"] == f"ml-platform-{stack}"
    assert i["location"] == "europe-west4"  # regional
    assert i["removeDefaultNodePool"] is True
    assert i["privateClusterConfig"] == {
        "enablePrivateNodes": True,
        "enablePrivateEndpoint": True,  # both stacks ask for a private endpoint
        "masterIpv4CidrBlock": "172.16.0.0/28",
    }
    assert i["masterAuthorizedNetworksConfig"] == {
        "cidrBlocks": [{"cidrBlock": "10.0.0.0/18", "displayName": "nodes subnet"}],
        "gcpPublicCidrsAccessEnabled": False,
    }
    assert i["masterAuth"] == {"clientCertificateConfig": {"issueClientCertificate": False}}
    assert i["enableLegacyAbac"] is False
    assert i["workloadIdentityConfig"] == {"workloadPool": f"{PROJECT}.svc.id.goog"}
    assert i["enableShieldedNodes"] is True
    assert i["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": _key_id(graph)}
    assert i["datapathProvider"] == "ADVANCED_DATAPATH"
    assert i["networkingMode"] == "VPC_NATIVE"
    assert i["ipAllocationPolicy"] == {"clusterSecondaryRangeName": "pods", "servicesSecondaryRangeName": "services"}
    assert i["loggingConfig"] == {"enableComponents": ["SYSTEM_COMPONENTS", "WORKLOADS"]}
    assert i["monitoringConfig"]["enableComponents"] == ["SYSTEM_COMPONENTS"]
    assert i["costManagementConfig"] == {"enabled": True}
    assert i["minMasterVersion"] == gcp_blueprints[stack].cluster.kubernetes_version
    assert gke.outputs["endpoint"] == "172.16.0.2"  # the private endpoint
    # The GKE agent may use the key before etcd encryption is turned on.
    grants = {g.inputs["member"]: g.urn for g in of_type(graph, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert grants[GKE_AGENT] in gke.dependencies and grants[COMPUTE_AGENT] in gke.dependencies


def test_prod_cluster_is_deletion_protected_on_the_stable_channel_dev_is_not(
    gcp_graphs: dict[str, ResourceGraph],
) -> None:
    for stack, protected, channel in (("gcp-prod", True, "STABLE"), ("gcp-dev", False, "REGULAR")):
        gke = of_type(gcp_graphs[stack], "gcp:container/cluster:Cluster")[0]
        assert gke.inputs["deletionProtection"] is protected, stack
        assert gke.inputs["releaseChannel"] == {"channel": channel}, stack


def test_kubeconfig_uses_the_dns_endpoint_the_gke_auth_plugin_and_no_stored_credentials(
    gcp_graphs: dict[str, ResourceGraph],
) -> None:
    """The kubeconfig reaches the API server through the DNS-based endpoint (IAM-authorized,
    reachable without a bastion), with tokens from gke-gcloud-auth-plugin
    (https://cloud.google.com/kubernetes-engine/docs/how-to/latest/network-isolation#dns-based_endpoint)."""
    doc = json.loads(kubeconfig("c", "gke-abc-123.europe-west4.gke.goog"))
    assert doc["clusters"][0]["cluster"] == {"server": "https://gke-abc-123.europe-west4.gke.goog"}
    user = doc["users"][0]["user"]
    assert set(user) == {"exec"} and user["exec"]["command"] == "gke-gcloud-auth-plugin"
    for graph in gcp_graphs.values():
        gke = of_type(graph, "gcp:container/cluster:Cluster")[0]
        assert gke.inputs["controlPlaneEndpointsConfig"] == {
            "dnsEndpointConfig": {
                "allowExternalTraffic": True,
                "enableK8sCertsViaDns": False,
                "enableK8sTokensViaDns": False,
            }
        }
        dns = gke.outputs["controlPlaneEndpointsConfig"]["dnsEndpointConfig"]["endpoint"]
        assert dns.endswith(".gke.goog")
        (provider,) = of_type(graph, "pulumi:providers:kubernetes")
        kubeconfig_text = provider.inputs["kubeconfig"]["value"]  # a secret: the engine never shows it
        server = json.loads(kubeconfig_text)["clusters"][0]["cluster"]["server"]
        assert server == f"https://{dns}"


# -- buckets -----------------------------------------------------------------------------
GCS_CLASSES = {"infrequent": "NEARLINE", "cold": "COLDLINE", "archive": "ARCHIVE"}


def _bucket(graph: ResourceGraph, name: str) -> ResourceRecord:
    return next(r for r in of_type(graph, BUCKET) if parent_name(graph, r) == name)


def _rules(bucket: ResourceRecord, action: str) -> list[dict[str, Any]]:
    return [r["condition"] for r in bucket.inputs["lifecycleRules"] if r["action"]["type"] == action]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_buckets_are_private_cmek_versioned_and_soft_deleting(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = gcp_graphs[stack], gcp_blueprints[stack]
    key_id = _key_id(graph)
    agent_grant = next(
        g for g in of_type(graph, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember") if g.inputs["member"] == GCS_AGENT
    )
    assert agent_grant.inputs["role"] == ENCRYPTER_DECRYPTER and agent_grant.inputs["cryptoKeyId"] == key_id
    buckets = of_type(graph, BUCKET)
    assert len(buckets) == len(bp.buckets)  # no usage-log bucket unless gcp.usageLogs
    for b in buckets:
        i = b.inputs
        assert i["uniformBucketLevelAccess"] is True, b.name
        assert i["publicAccessPrevention"] == "enforced", b.name
        assert i["encryption"] == {"defaultKmsKeyName": key_id}, b.name
        assert i["versioning"] == {"enabled": True}, b.name
        assert i["forceDestroy"] is False, b.name
        assert i["softDeletePolicy"] == {"retentionDurationSeconds": 7 * 86400}, b.name
        assert i["location"] == "EUROPE-WEST4"
        assert agent_grant.urn in b.dependencies, b.name  # the GCS agent can use the key first


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_bucket_lifecycle_tiers_noncurrent_deletion_and_expiry_follow_the_blueprint(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = gcp_graphs[stack], gcp_blueprints[stack]
    for spec in bp.buckets:
        bucket = _bucket(graph, spec.name)
        tiers = [
            (r["action"]["storageClass"], r["condition"]["age"], r["condition"]["withState"])
            for r in bucket.inputs["lifecycleRules"]
            if r["action"]["type"] == "SetStorageClass"
        ]
        assert tiers == [(GCS_CLASSES[t.storage_class], t.after_days, "LIVE") for t in spec.tiers], spec.name
        noncurrent = [c for c in _rules(bucket, "Delete") if c.get("withState") == "ARCHIVED"]
        assert noncurrent == (
            [{"daysSinceNoncurrentTime": spec.noncurrent_version_expire_days, "withState": "ARCHIVED"}]
            if spec.versioning
            else []
        ), spec.name
        expiry = [c["age"] for c in _rules(bucket, "Delete") if c.get("withState") == "LIVE"]
        assert expiry == ([spec.expire_after_days] if spec.expire_after_days else []), spec.name
        assert _rules(bucket, "AbortIncompleteMultipartUpload") == [{"age": 7}]


def test_lifecycle_literals_for_the_prod_datasets_and_checkpoints(gcp_graphs: dict[str, ResourceGraph]) -> None:
    graph = gcp_graphs["gcp-prod"]
    datasets = [r for r in _bucket(graph, "datasets").inputs["lifecycleRules"] if r["action"]["type"] != "Delete"]
    assert [(r["action"].get("storageClass"), r["condition"]) for r in datasets] == [
        ("NEARLINE", {"age": 30, "matchesStorageClasses": ["STANDARD"], "withState": "LIVE"}),
        ("ARCHIVE", {"age": 180, "matchesStorageClasses": ["STANDARD", "NEARLINE"], "withState": "LIVE"}),
        (None, {"age": 7}),
    ]
    checkpoints = _rules(_bucket(graph, "checkpoints"), "Delete")
    assert checkpoints == [
        {"daysSinceNoncurrentTime": 7, "withState": "ARCHIVED"},
        {"age": 120, "withState": "LIVE"},
    ]


def test_confidential_prod_data_access_is_audit_logged_without_usage_logs_dev_has_neither(
    gcp_graphs: dict[str, ResourceGraph],
) -> None:
    graph = gcp_graphs["gcp-prod"]
    [audit] = of_type(graph, "gcp:projects/iAMAuditConfig:IAMAuditConfig")
    assert audit.inputs == {
        "project": PROJECT,
        "service": "storage.googleapis.com",
        "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
    }
    crm = next(r for r in of_type(graph, "gcp:projects/service:Service") if r.name == "apis-cloudresourcemanager")
    assert crm.urn in audit.dependencies
    for stack in GCP_STACKS:
        assert all("logging" not in b.inputs for b in of_type(gcp_graphs[stack], BUCKET)), stack
        members = of_type(gcp_graphs[stack], "gcp:storage/bucketIAMMember:BucketIAMMember")
        assert not [m for m in members if m.inputs["member"].endswith("@google.com")], stack
    assert not of_type(gcp_graphs["gcp-dev"], "gcp:projects/iAMAuditConfig:IAMAuditConfig")  # internal data


def test_usage_logs_are_opt_in_and_add_the_log_bucket_and_its_delivery_grant(
    variant_graphs: dict[str, ResourceGraph],
) -> None:
    graph = variant_graphs["gcp-usage-logs"]
    log_bucket = _bucket(graph, "access-logs")
    assert "logging" not in log_bucket.inputs
    data = [b for b in of_type(graph, BUCKET) if b.urn != log_bucket.urn]
    assert sorted(b.inputs["logging"]["logObjectPrefix"] for b in data) == ["checkpoints", "datasets", "models"]
    assert {b.inputs["logging"]["logBucket"] for b in data} == {log_bucket.outputs["name"]}
    delivery = [
        m
        for m in of_type(graph, "gcp:storage/bucketIAMMember:BucketIAMMember")
        if m.inputs["member"] == "group:cloud-storage-analytics@google.com"
    ]
    assert [(m.inputs["bucket"], m.inputs["role"]) for m in delivery] == [
        (log_bucket.outputs["name"], "roles/storage.objectCreator")
    ]
    assert len(of_type(graph, "gcp:projects/iAMAuditConfig:IAMAuditConfig")) == 1  # audit logs stay on


def test_prod_buckets_and_keys_are_protected_dev_ones_are_not(gcp_graphs: dict[str, ResourceGraph]) -> None:
    data_types = (BUCKET, "gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey")
    for stack, expected in (("gcp-prod", True), ("gcp-dev", False)):
        data = [r for t in data_types for r in of_type(gcp_graphs[stack], t)]
        assert len(data) == 5  # 3 buckets, the key ring and the key
        assert {(r.protect, r.retain_on_delete) for r in data} == {(expected, expected)}, stack


# -- key ---------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", GCP_STACKS)
def test_key_rotates_every_90_days_and_only_service_agents_and_grants_use_it(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = gcp_graphs[stack], gcp_blueprints[stack]
    key = of_type(graph, "gcp:kms/cryptoKey:CryptoKey")[0]
    assert key.inputs["rotationPeriod"] == "7776000s"  # 90 days
    assert key.inputs["destroyScheduledDuration"] == f"{bp.encryption.deletion_window_days * 86400}s"
    assert key.inputs["purpose"] == "ENCRYPT_DECRYPT"
    assert key.inputs["keyRing"] == of_type(graph, "gcp:kms/keyRing:KeyRing")[0].id
    grants = {
        (g.inputs["member"], g.inputs["role"]) for g in of_type(graph, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    }
    want = {(GCS_AGENT, ENCRYPTER_DECRYPTER), (GKE_AGENT, ENCRYPTER_DECRYPTER), (COMPUTE_AGENT, ENCRYPTER_DECRYPTER)}
    if bp.is_prod:  # server: keyAccess decrypt
        want.add(
            (
                f"serviceAccount:{service_account_id(stack, 'wl', 'server')}@{PROJECT}.iam.gserviceaccount.com",
                "roles/cloudkms.cryptoKeyDecrypter",
            )
        )
    assert grants == want


def test_rotation_beyond_90_days_is_refused_before_anything_is_created() -> None:
    with pytest.raises(ValueError, match=r"encryption.rotationDays: must be 2-90 on GCP \(got 365\)"):
        EncryptionKey("k", EncryptionKeyArgs(region="europe-west4", rotation_days=365))


# -- IAM ---------------------------------------------------------------------------------
def _member(stack: str, kind: str, name: str = "") -> str:
    return f"serviceAccount:{service_account_id(stack, kind, name)}@{PROJECT}.iam.gserviceaccount.com"


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_workloads_get_bucket_level_roles_only_for_their_buckets(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = gcp_graphs[stack], gcp_blueprints[stack]
    names = {parent_name(graph, b): b.outputs["name"] for b in of_type(graph, BUCKET)}
    roles = {"read": "roles/storage.objectViewer", "readwrite": "roles/storage.objectUser"}
    got = {
        (m.inputs["bucket"], m.inputs["role"], m.inputs["member"])
        for m in of_type(graph, "gcp:storage/bucketIAMMember:BucketIAMMember")
        if m.inputs["member"].startswith("serviceAccount:")
    }
    want = {
        (names[bucket], roles[access], _member(stack, "wl", w.name))
        for w in bp.workloads
        for bucket, access in w.buckets.items()
    } | {
        (names[bucket], roles[access], _member(stack, "vm", g.name))
        for g in bp.autoscaling_groups
        for bucket, access in g.buckets.items()
    }
    assert got == want
    workload_members = {_member(stack, "wl", w.name) for w in bp.workloads}
    project_members = {m.inputs["member"] for m in of_type(graph, "gcp:projects/iAMMember:IAMMember")}
    assert not project_members & workload_members  # no project-level role for any workload
    assert project_members == {_member(stack, "nodes")} | {_member(stack, "vm", g.name) for g in bp.autoscaling_groups}


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_workload_identity_binds_each_google_account_to_its_kubernetes_account(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = gcp_graphs[stack], gcp_blueprints[stack]
    accounts = {parent_name(graph, a): a for a in of_type(graph, "gcp:serviceaccount/account:Account")}
    gke = of_type(graph, "gcp:container/cluster:Cluster")[0]
    bindings = of_type(graph, "gcp:serviceaccount/iAMMember:IAMMember")
    got = {(b.inputs["serviceAccountId"], b.inputs["role"], b.inputs["member"]) for b in bindings}
    want = {
        (
            accounts[w.name].outputs["name"],
            "roles/iam.workloadIdentityUser",
            f"serviceAccount:{PROJECT}.svc.id.goog[{w.namespace}/{w.service_account}]",
        )
        for w in bp.workloads
    }
    assert got == want
    assert all(gke.urn in b.dependencies for b in bindings)  # the identity pool exists by then


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_no_basic_roles_and_no_public_members(gcp_graphs: dict[str, ResourceGraph], stack: str) -> None:
    members = [m for t in IAM_MEMBER_TYPES for m in of_type(gcp_graphs[stack], t)]
    assert len(members) >= 13
    for m in members:
        assert m.inputs["role"] not in BASIC_ROLES, m.urn
        assert m.inputs["member"] not in ("allUsers", "allAuthenticatedUsers"), m.urn
    node_roles = sorted(m.inputs["role"] for m in members if parent_name(gcp_graphs[stack], m) == "nodes")
    assert node_roles == ["roles/artifactregistry.reader", "roles/container.defaultNodeServiceAccount"]


def test_service_account_ids_and_cluster_names_fit_gcp_limits() -> None:
    pattern = re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
    assert service_account_id("gcp-prod", "wl", "trainer") == "mlp-gcp-prod-wl-trainer"
    long_id = service_account_id("a-very-long-stack-name", "wl", "a-very-long-workload-name")
    assert pattern.match(long_id) and len(long_id) == 30
    assert long_id != service_account_id("a-very-long-stack-name", "wl", "a-very-long-workload-name2")
    assert cluster_name("ml-platform", "gcp-prod") == "ml-platform-gcp-prod"
    assert len(cluster_name("x" * 50, "Prod_1")) == 40


# -- autoscaling group -------------------------------------------------------------------
@pytest.mark.parametrize("stack", GCP_STACKS)
def test_vm_group_is_spot_shielded_cmek_without_external_ip(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, spec = gcp_graphs[stack], gcp_blueprints[stack].autoscaling_groups[0]
    template = of_type(graph, "gcp:compute/instanceTemplate:InstanceTemplate")[0]
    i = template.inputs
    assert i["machineType"] == spec.instance_types[0] == "n2-standard-8"
    assert [set(nic) for nic in i["networkInterfaces"]] == [{"subnetwork"}]  # no accessConfigs: no public IP
    assert i["scheduling"] == {
        "provisioningModel": "SPOT",
        "preemptible": True,
        "automaticRestart": False,
        "onHostMaintenance": "TERMINATE",
        "instanceTerminationAction": "DELETE",
    }
    assert i["disks"][0]["diskEncryptionKey"] == {"kmsKeySelfLink": _key_id(graph)}
    assert i["disks"][0]["diskSizeGb"] == spec.disk_size_gib
    assert i["shieldedInstanceConfig"] == {
        "enableSecureBoot": True,
        "enableVtpm": True,
        "enableIntegrityMonitoring": True,
    }
    assert (
        i["serviceAccount"]["email"]
        == f"{service_account_id(stack, 'vm', spec.name)}@{PROJECT}.iam.gserviceaccount.com"
    )
    assert i["metadata"] == {"enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE"}
    mig = of_type(graph, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager")[0]
    assert mig.inputs["versions"] == [{"instanceTemplate": template.outputs["selfLinkUnique"]}]
    assert mig.inputs["distributionPolicyTargetShape"] == "BALANCED"  # autoscaled: EVEN or BALANCED only
    assert "targetSize" not in mig.inputs and mig.ignore_changes == ("targetSize",)
    scaler = of_type(graph, "gcp:compute/regionAutoscaler:RegionAutoscaler")[0]
    assert scaler.inputs["target"] == mig.id
    policy = scaler.inputs["autoscalingPolicy"]
    assert (policy["minReplicas"], policy["maxReplicas"]) == (spec.min_size, spec.max_size)
    assert policy["cpuUtilization"] == {"target": spec.target_cpu_utilization / 100}


def test_a_partly_spot_group_is_refused_with_what_to_set() -> None:
    def group(spot_percentage: int) -> GroupSpec:
        return GroupSpec(
            name="mix",
            instance_types=("n2-standard-8",),
            max_size=4,
            expected_average_size=1.0,
            spot_percentage=spot_percentage,
        )

    assert is_spot(group(100)) is True
    assert is_spot(group(0)) is False
    with pytest.raises(ValueError, match=r"autoscalingGroups\[mix\]: .*all spot or all on-demand.*spotPercentage 60"):
        is_spot(group(60))


# -- VM group egress ---------------------------------------------------------------------
NODE_RANGES = ["10.0.0.0/18", "10.0.128.0/17", "10.0.64.0/19"]  # nodes, pods, services of 10.0.0.0/16


def _vm_email(stack: str, group: str) -> str:
    return f"{service_account_id(stack, 'vm', group)}@{PROJECT}.iam.gserviceaccount.com"


def _egress_rules(stack: str, group: str, network: str, ranges: list[str], project: str) -> dict[str, Any]:
    """What `egress: web` creates for one group, by resource name: written out by hand."""
    common = {
        "network": network,
        "project": project,
        "direction": "EGRESS",
        "targetServiceAccounts": [_vm_email(stack, group)],
    }
    return {
        f"{group}-egress-web": {
            **common,
            "name": f"mlp-{stack}-{group}-egress-web",
            "description": f"VM group {group}: allow HTTP and HTTPS to anywhere",
            "priority": 1000,
            "destinationRanges": ["0.0.0.0/0"],
            "allows": [{"protocol": "tcp", "ports": ["80", "443"]}],
        },
        f"{group}-egress-internal": {
            **common,
            "name": f"mlp-{stack}-{group}-egress-internal",
            "description": f"VM group {group}: allow anything inside the platform network",
            "priority": 1000,
            "destinationRanges": ranges,
            "allows": [{"protocol": "all"}],
        },
        f"{group}-egress-deny": {
            **common,
            "name": f"mlp-{stack}-{group}-egress-deny",
            "description": f"VM group {group}: deny all other egress",
            "priority": 65000,  # after the allows, before GCP's implied allow-all egress at 65535
            "destinationRanges": ["0.0.0.0/0"],
            "denies": [{"protocol": "all"}],
        },
    }


@pytest.mark.parametrize(("stack", "group"), [("gcp-dev", "batch-cpu"), ("gcp-prod", "data-prep")])
def test_vm_group_egress_is_web_anywhere_and_the_platform_network_only(
    gcp_graphs: dict[str, ResourceGraph], stack: str, group: str
) -> None:
    graph = gcp_graphs[stack]
    vpc = of_type(graph, "gcp:compute/network:Network")[0]
    rules = of_type(graph, FIREWALL)
    assert {f.name: f.inputs for f in rules} == _egress_rules(stack, group, vpc.id, NODE_RANGES, PROJECT)
    assert {parent_name(graph, f) for f in rules} == {group}
    assert all(f.delete_before_replace for f in rules)  # fixed names: the old rule goes first
    assert all(f.outputs["selfLink"].endswith(f"/global/firewalls/{f.inputs['name']}") for f in rules)
    subnet = of_type(graph, "gcp:compute/subnetwork:Subnetwork")[0].inputs  # "inside" = the subnet's ranges
    assert [subnet["ipCidrRange"], *(r["ipCidrRange"] for r in subnet["secondaryIpRanges"])] == NODE_RANGES


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_egress_rules_target_only_the_vm_group_not_gke_nodes(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph = gcp_graphs[stack]
    groups = {_vm_email(stack, g.name) for g in gcp_blueprints[stack].autoscaling_groups}
    templates = {
        t.inputs["serviceAccount"]["email"] for t in of_type(graph, "gcp:compute/instanceTemplate:InstanceTemplate")
    }
    targets = {email for f in of_type(graph, FIREWALL) for email in f.inputs["targetServiceAccounts"]}
    assert targets == templates == groups
    cluster = of_type(graph, "gcp:container/cluster:Cluster")[0]
    gke = {p.inputs["nodeConfig"]["serviceAccount"] for p in of_type(graph, NODE_POOL)}
    gke.add(cluster.inputs["nodeConfig"]["serviceAccount"])
    assert gke == {_node_email(graph, stack)} and not gke & targets
    for f in of_type(graph, FIREWALL):  # no network-wide or tag-based rule, no ingress shape
        assert not {"targetTags", "sourceTags", "sourceRanges", "sourceServiceAccounts"} & set(f.inputs), f.name


EXISTING_NETWORK = "projects/host-project/global/networks/shared"
EXISTING_SUBNET = "projects/host-project/regions/europe-west4/subnetworks/ml-nodes"
EXISTING_RANGES = ["10.128.0.0/20", "10.4.0.0/14", "10.8.0.0/20"]  # the mocks' getSubnetwork answer


MAINTENANCE = {
    "day": "Sunday",
    "startTimeUtc": "03:30",
    "durationHours": 16,
    "blackouts": [
        {"name": "big-run", "start": "2027-01-04", "end": "2027-01-20"},
        {"name": "quarter-end", "start": "2027-03-31", "end": "2027-03-31"},
    ],
}


MONITORING_CONTACTS = ("oncall@example.com", "gpu-team@example.com")


@pytest.fixture(scope="module")
def variant_graphs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ResourceGraph]:
    """gcp-prod with `egress: all` on its VM group; gcp-dev in an existing (Shared VPC) network,
    with monitoring contacts of its own;
    gcp-prod with usage logs and a maintenance window with blackouts; gcp-dev with an on-demand
    group of GPU machines."""
    folder = tmp_path_factory.mktemp("stacks")
    prod = yaml.safe_load((ROOT / "stacks" / "Pulumi.gcp-prod.yaml").read_text(encoding="utf-8"))
    [group] = prod["config"]["ml-platform:blueprint"]["autoscalingGroups"]
    group["egress"] = "all"
    dev = yaml.safe_load((ROOT / "stacks" / "Pulumi.gcp-dev.yaml").read_text(encoding="utf-8"))
    dev["config"]["ml-platform:blueprint"]["network"] = {
        "existingNetworkId": EXISTING_NETWORK,
        "existingSubnetIds": [EXISTING_SUBNET],
    }
    dev["config"]["ml-platform:blueprint"]["monitoring"] = {"contacts": list(MONITORING_CONTACTS)}
    logs = yaml.safe_load((ROOT / "stacks" / "Pulumi.gcp-prod.yaml").read_text(encoding="utf-8"))
    logs_bp = logs["config"]["ml-platform:blueprint"]
    logs_bp["gcp"]["usageLogs"] = True
    logs_bp["cluster"]["maintenance"] = MAINTENANCE
    gpu = yaml.safe_load((ROOT / "stacks" / "Pulumi.gcp-dev.yaml").read_text(encoding="utf-8"))
    [gpu_group] = gpu["config"]["ml-platform:blueprint"]["autoscalingGroups"]
    gpu_group.update({"instanceTypes": ["g2-standard-8"], "spotPercentage": 0})
    variants = {"gcp-egress-all": prod, "gcp-existing": dev, "gcp-usage-logs": logs, "gcp-gpu-group": gpu}
    paths = []
    for name, doc in variants.items():
        paths.append(folder / f"Pulumi.{name}.yaml")
        paths[-1].write_text(yaml.safe_dump(doc), encoding="utf-8")
    graphs: dict[str, ResourceGraph] = {}
    for name, result in zip(variants, synthesize_stacks(ROOT, paths, jobs=2), strict=True):
        if isinstance(result, SynthError):
            pytest.fail(str(result))
        graphs[name] = result
    return graphs


def test_egress_all_creates_no_firewall_rule_and_changes_nothing_else(
    variant_graphs: dict[str, ResourceGraph],
) -> None:
    graph = variant_graphs["gcp-egress-all"]
    assert not of_type(graph, FIREWALL)
    assert dict(Counter(r.type for r in graph.resources)) == {t: n for t, n in EXPECTED_PROD.items() if t != FIREWALL}
    template = of_type(graph, "gcp:compute/instanceTemplate:InstanceTemplate")[0]
    subnet = of_type(graph, "gcp:compute/subnetwork:Subnetwork")[0]
    assert template.inputs["networkInterfaces"] == [{"subnetwork": subnet.id}]


def test_egress_rules_in_an_existing_network_use_its_project_and_subnetwork_ranges(
    variant_graphs: dict[str, ResourceGraph],
) -> None:
    graph = variant_graphs["gcp-existing"]
    for created in ("network:Network", "subnetwork:Subnetwork", "router:Router", "routerNat:RouterNat"):
        assert not of_type(graph, f"gcp:compute/{created}"), created
    rules = of_type(graph, FIREWALL)
    # The firewall rules live in the network's (host) project; the VMs' account stays in ours.
    assert {f.name: f.inputs for f in rules} == _egress_rules(
        "gcp-existing", "batch-cpu", EXISTING_NETWORK, EXISTING_RANGES, "host-project"
    )
    template = of_type(graph, "gcp:compute/instanceTemplate:InstanceTemplate")[0]
    assert template.inputs["networkInterfaces"] == [{"subnetwork": EXISTING_SUBNET}]


def test_firewall_names_fit_gcp_and_networks_name_their_project() -> None:
    assert firewall_name("gcp-prod", "data-prep", "egress-internal") == "mlp-gcp-prod-data-prep-egress-internal"
    long_a = firewall_name("a-very-long-stack-name-for-a-test", "a-long-group-name-24chr", "egress-internal")
    long_b = firewall_name("a-very-long-stack-name-for-a-test", "a-long-group-name-24chx", "egress-internal")
    assert long_a.endswith("-egress-internal") and long_b.endswith("-egress-internal")
    assert len(long_a) <= 63 and len(long_b) <= 63 and long_a != long_b
    assert all(re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", n) for n in (long_a, long_b))
    assert network_project("projects/host/global/networks/shared") == "host"
    assert network_project(f"https://www.googleapis.com/compute/v1/{EXISTING_NETWORK}") == "host-project"
    assert network_project("shared") is None  # a bare name: the provider's project
    with pytest.raises(ValueError, match=r"network.existingSubnetIds\[0\]: expected projects/<project>/regions/"):
        lookup_subnetwork("regions/europe-west4/subnetworks/x", "europe-west4")


# -- network -----------------------------------------------------------------------------
@pytest.mark.parametrize("stack", GCP_STACKS)
def test_network_is_private_with_google_access_flow_logs_and_nat(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph = gcp_graphs[stack]
    vpc = of_type(graph, "gcp:compute/network:Network")[0]
    assert vpc.inputs["autoCreateSubnetworks"] is False
    subnet = of_type(graph, "gcp:compute/subnetwork:Subnetwork")[0]
    assert subnet.inputs["network"] == vpc.id
    assert subnet.inputs["ipCidrRange"] == "10.0.0.0/18"
    assert subnet.inputs["privateIpGoogleAccess"] is True
    assert subnet.inputs["secondaryIpRanges"] == [
        {"rangeName": "pods", "ipCidrRange": "10.0.128.0/17"},
        {"rangeName": "services", "ipCidrRange": "10.0.64.0/19"},
    ]
    assert subnet.inputs["logConfig"]["metadata"] == "INCLUDE_ALL_METADATA"
    nat = of_type(graph, "gcp:compute/routerNat:RouterNat")[0]
    assert nat.inputs["subnetworks"] == [{"name": subnet.id, "sourceIpRangesToNats": ["ALL_IP_RANGES"]}]
    assert nat.inputs["logConfig"] == {"enable": True, "filter": "ERRORS_ONLY"}
    # Nothing that opens the network: no reserved external address, no firewall rule but the VM
    # group's egress rules (checked below), and no ingress rule at all.
    assert not [r for r in graph.resources if r.type.startswith("gcp:compute/address")]
    firewalls = of_type(graph, FIREWALL)
    assert {(parent_name(graph, f), f.inputs["direction"]) for f in firewalls} == {
        (g.name, "EGRESS") for g in gcp_blueprints[stack].autoscaling_groups
    }


# -- budget ------------------------------------------------------------------------------
@pytest.mark.parametrize(("stack", "units"), [("gcp-dev", "1500"), ("gcp-prod", "60000")])
def test_budget_thresholds_filter_and_email_channels(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str, units: str
) -> None:
    graph, bp = gcp_graphs[stack], gcp_blueprints[stack]
    stack_budget, project_budget = sorted(of_type(graph, "gcp:billing/budget:Budget"), key=lambda b: b.name)
    i = stack_budget.inputs
    assert (stack_budget.name, project_budget.name) == ("budget-monthly", "budget-project")
    # The whole project as well: logging, NAT and egress carry no label.
    assert {k: v for k, v in project_budget.inputs.items() if k not in ("budgetFilter", "displayName")} == {
        k: v for k, v in i.items() if k not in ("budgetFilter", "displayName")
    }
    assert project_budget.inputs["budgetFilter"] == {
        "projects": [f"projects/{PROJECT_NUMBER}"],
        "calendarPeriod": "MONTH",
        "creditTypesTreatment": "INCLUDE_ALL_CREDITS",
    }
    assert project_budget.inputs["displayName"] == f"ML platform {stack} (project)"
    assert i["billingAccount"] == "000000-000000-000000"
    assert i["amount"] == {"specifiedAmount": {"currencyCode": "USD", "units": units, "nanos": 0}}
    assert i["budgetFilter"]["projects"] == [f"projects/{PROJECT_NUMBER}"]
    assert i["budgetFilter"]["labels"] == {"ml-platform-stack": stack}
    assert i["thresholdRules"] == [
        {"thresholdPercent": 0.5, "spendBasis": "CURRENT_SPEND"},
        {"thresholdPercent": 0.8, "spendBasis": "CURRENT_SPEND"},
        {"thresholdPercent": 1.0, "spendBasis": "CURRENT_SPEND"},
        {"thresholdPercent": 1.0, "spendBasis": "FORECASTED_SPEND"},
    ]
    assert len(bp.budget.alerts) == 4
    [channel] = of_type(graph, "gcp:monitoring/notificationChannel:NotificationChannel")
    assert i["allUpdatesRule"]["monitoringNotificationChannels"] == [channel.outputs["name"]]
    assert project_budget.inputs["allUpdatesRule"] == i["allUpdatesRule"]


# -- notification channel ------------------------------------------------------------------
def _assert_stack_channels(graph: ResourceGraph, contacts: tuple[str, ...], stack: str) -> None:
    """One Cloud Monitoring email channel per contact, type `email` with the address in the
    `email_address` label, children of the stack's NotificationChannel; both budgets name
    exactly these channels (`projects/<p>/notificationChannels/<n>`)
    (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.notificationChannels)."""
    [component] = of_type(graph, "mlplat:gcp:NotificationChannel")
    # Registration order is the engine's (they are created concurrently): key them by address.
    registered = of_type(graph, "gcp:monitoring/notificationChannel:NotificationChannel")
    channels = {c.inputs["labels"]["email_address"]: c for c in registered}
    assert len(registered) == len(contacts) and set(channels) == set(contacts)
    for email, c in channels.items():
        assert (c.inputs["type"], c.inputs["labels"]) == ("email", {"email_address": email})
        assert c.parent == component.urn
        assert c.name == email_resource_name("alerts", email)
        assert c.inputs["displayName"] == f"ML platform {stack}: {email}"
    names = [channels[e].outputs["name"] for e in contacts]  # the budgets name them in contacts' order
    assert all(re.fullmatch(rf"projects/{PROJECT}/notificationChannels/\d+", n) for n in names), names
    for budget in of_type(graph, "gcp:billing/budget:Budget"):
        assert budget.inputs["allUpdatesRule"]["monitoringNotificationChannels"] == names, budget.name
    api = next(r for r in of_type(graph, "gcp:projects/service:Service") if r.name == "apis-monitoring")
    assert all(api.urn in c.dependencies for c in channels.values())


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_one_email_channel_per_monitoring_contact_and_the_budgets_use_them(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    bp = gcp_blueprints[stack]
    assert bp.monitoring.contacts == bp.budget.contacts  # the shipped stacks name no monitoring contacts
    _assert_stack_channels(gcp_graphs[stack], bp.monitoring.contacts, stack)


def test_monitoring_contacts_override_the_budgets_for_the_channels(variant_graphs: dict[str, ResourceGraph]) -> None:
    _assert_stack_channels(variant_graphs["gcp-existing"], MONITORING_CONTACTS, "gcp-existing")


def test_channel_names_keep_the_budgets_scheme_so_aliases_find_the_old_channels() -> None:
    """The channels were `budget-email-<sha256[:8]>` children of the Budget; the alias names
    that resource, so existing stacks move the channels rather than replace them."""
    email = "ml-platform-alerts@example.com"
    digest = hashlib.sha256(email.encode()).hexdigest()[:8]
    assert email_resource_name("budget", email) == f"budget-email-{digest}"
    assert email_resource_name("alerts", email) == f"alerts-email-{digest}"


# -- labels ------------------------------------------------------------------------------
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")


def _labels(r: ResourceRecord) -> dict[str, str] | None:
    if r.type == "gcp:monitoring/notificationChannel:NotificationChannel":
        return dict(r.inputs["userLabels"])  # `labels` is the channel's configuration
    params = resource_parameters(r.type)
    if "labels" in params:
        return dict(r.inputs["labels"])
    if "resource_labels" in params:
        return dict(r.inputs["resourceLabels"])
    return None


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_every_labellable_resource_has_the_cost_labels_sanitised(
    gcp_graphs: dict[str, ResourceGraph], gcp_blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = gcp_graphs[stack], gcp_blueprints[stack]
    labelled = {r.urn: labels for r in graph.resources if r.custom and (labels := _labels(r)) is not None}
    # buckets, key, cluster, instance template, notification channel
    assert len(labelled) == len(of_type(graph, BUCKET)) + 4
    for urn, labels in labelled.items():
        assert set(REQUIRED_TAG_KEYS) <= set(labels), urn
        assert all(LABEL_KEY.match(k) and LABEL_VALUE.match(v) for k, v in labels.items()), (urn, labels)
        assert labels["owner"] == "ml-platform_example_com"  # ml-platform@example.com, sanitised
        assert labels["cost-center"] == "ml-research" and labels["environment"] == bp.environment
        assert labels["ml-platform-stack"] == stack
        for key, value in bp.tags.items():
            assert labels[key] == value
    assert {_bucket(graph, b.name).inputs["labels"]["mlplat-purpose"] for b in bp.buckets} == {
        b.purpose for b in bp.buckets
    }


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_budgets_go_through_a_provider_that_names_the_quota_project(
    gcp_graphs: dict[str, ResourceGraph], stack: str
) -> None:
    graph = gcp_graphs[stack]
    [provider] = of_type(graph, "pulumi:providers:gcp")
    assert provider.inputs["project"] == PROJECT
    assert provider.inputs["billingProject"] == PROJECT
    assert provider.inputs["userProjectOverride"] == "true"  # provider config travels as strings
    for budget in of_type(graph, "gcp:billing/budget:Budget"):
        assert budget.provider is not None and budget.provider.startswith(f"{provider.urn}::"), budget.name
    api = next(r for r in of_type(graph, "gcp:projects/service:Service") if r.name == "apis-billingbudgets")
    assert api.inputs["project"] == PROJECT  # the quota project has the Budget API on


# -- APIs --------------------------------------------------------------------------------
ALL_APIS = [
    "artifactregistry.googleapis.com",
    "billingbudgets.googleapis.com",
    "cloudkms.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "storage.googleapis.com",
]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_every_api_is_enabled_kept_on_destroy_and_every_resource_waits_for_its_own(
    gcp_graphs: dict[str, ResourceGraph], stack: str
) -> None:
    graph = gcp_graphs[stack]
    services = {r.inputs["service"]: r for r in of_type(graph, "gcp:projects/service:Service")}
    assert sorted(services) == ALL_APIS
    for api, svc in services.items():
        assert svc.inputs["project"] == PROJECT and svc.inputs["disableOnDestroy"] is False, api
        assert parent_name(graph, svc) == "apis"
        if api != "cloudresourcemanager.googleapis.com":  # Resource Manager is enabled first
            assert services["cloudresourcemanager.googleapis.com"].urn in svc.dependencies, api
    cluster = of_type(graph, "gcp:container/cluster:Cluster")[0]
    assert {
        services[a].urn
        for a in (
            "container.googleapis.com",
            "compute.googleapis.com",
            "logging.googleapis.com",
            "monitoring.googleapis.com",
        )
    } <= set(cluster.dependencies)
    for pool in of_type(graph, NODE_POOL):
        assert services["artifactregistry.googleapis.com"].urn in pool.dependencies, pool.name
    for bucket in of_type(graph, BUCKET):
        assert services["storage.googleapis.com"].urn in bucket.dependencies, bucket.name


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_key_grants_to_gke_and_compute_agents_wait_for_the_apis_that_create_them(
    gcp_graphs: dict[str, ResourceGraph], stack: str
) -> None:
    graph = gcp_graphs[stack]
    services = {r.inputs["service"]: r.urn for r in of_type(graph, "gcp:projects/service:Service")}
    grants = {g.inputs["member"]: g for g in of_type(graph, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert services["container.googleapis.com"] in grants[GKE_AGENT].dependencies
    assert services["compute.googleapis.com"] in grants[COMPUTE_AGENT].dependencies
    assert services["storage.googleapis.com"] in grants[GCS_AGENT].dependencies
    assert services["container.googleapis.com"] not in grants[COMPUTE_AGENT].dependencies  # only what it needs


# -- maintenance -------------------------------------------------------------------------
@pytest.mark.parametrize("stack", GCP_STACKS)
def test_default_maintenance_window_is_saturday_night_utc_for_12_hours(
    gcp_graphs: dict[str, ResourceGraph], stack: str
) -> None:
    cluster = of_type(gcp_graphs[stack], "gcp:container/cluster:Cluster")[0]
    assert cluster.inputs["maintenancePolicy"] == {
        "recurringWindow": {
            "startTime": "2026-01-10T22:00:00Z",  # a Saturday
            "endTime": "2026-01-11T10:00:00Z",
            "recurrence": "FREQ=WEEKLY;BYDAY=SA",
        }
    }


def test_blueprint_window_and_blackouts_become_the_gke_window_and_no_upgrade_exclusions(
    variant_graphs: dict[str, ResourceGraph],
) -> None:
    cluster = of_type(variant_graphs["gcp-usage-logs"], "gcp:container/cluster:Cluster")[0]
    assert cluster.inputs["maintenancePolicy"] == {
        "recurringWindow": {
            "startTime": "2026-01-11T03:30:00Z",  # a Sunday
            "endTime": "2026-01-11T19:30:00Z",
            "recurrence": "FREQ=WEEKLY;BYDAY=SU",
        },
        "maintenanceExclusions": [
            {
                "exclusionName": "big-run",
                "startTime": "2027-01-04T00:00:00Z",
                "endTime": "2027-01-21T00:00:00Z",  # the last day is inclusive
                "exclusionOptions": {"scope": "NO_UPGRADES"},
            },
            {
                "exclusionName": "quarter-end",
                "startTime": "2027-03-31T00:00:00Z",
                "endTime": "2027-04-01T00:00:00Z",
                "exclusionOptions": {"scope": "NO_UPGRADES"},
            },
        ],
    }


# -- GPU VM groups ------------------------------------------------------------------------
def test_on_demand_gpu_vm_groups_terminate_on_host_maintenance_and_cpu_groups_migrate(
    gcp_graphs: dict[str, ResourceGraph], variant_graphs: dict[str, ResourceGraph]
) -> None:
    gpu = of_type(variant_graphs["gcp-gpu-group"], "gcp:compute/instanceTemplate:InstanceTemplate")[0]
    assert gpu.inputs["machineType"] == "g2-standard-8"
    assert gpu.inputs["scheduling"] == {
        "provisioningModel": "STANDARD",
        "automaticRestart": True,
        "onHostMaintenance": "TERMINATE",  # GPUs cannot live-migrate
    }
    mig = of_type(variant_graphs["gcp-gpu-group"], "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager")
    assert mig[0].inputs["distributionPolicyTargetShape"] == "BALANCED"
    assert (
        is_spot(_group("n2-standard-8")) and has_gpus(_group("g2-standard-8")) and not has_gpus(_group("n2-standard-8"))
    )


def test_the_prod_serve_pool_starts_with_one_node_per_l4_zone(gcp_graphs: dict[str, ResourceGraph]) -> None:
    serve = _pool(gcp_graphs["gcp-prod"], "serve")
    zones = serve.inputs["nodeLocations"]
    assert serve.inputs["autoscaling"]["totalMinNodeCount"] == 1
    assert serve.inputs["initialNodeCount"] == 1 and len(zones) >= 1  # >= 1 node: at its minimum
    assert _pool(gcp_graphs["gcp-prod"], "train").inputs["initialNodeCount"] == 0


def test_vm_group_buckets_are_granted_to_the_groups_service_account(gcp_graphs, gcp_blueprints) -> None:  # type: ignore[no-untyped-def]
    """`autoscalingGroups[].buckets` on GCP: a bucket-level binding for the group's own service
    account, objectUser for readwrite (objectViewer for read), and nothing project-wide."""
    graph, spec = gcp_graphs["gcp-prod"], gcp_blueprints["gcp-prod"].autoscaling_groups[0]
    assert spec.buckets == {"datasets": "readwrite"}
    account = next(
        r for r in graph.resources if r.type == "gcp:serviceaccount/account:Account" and r.name == "data-prep-sa"
    )
    member = f"serviceAccount:{account.outputs['email']}"
    grants = [
        r
        for r in graph.resources
        if r.type == "gcp:storage/bucketIAMMember:BucketIAMMember" and r.inputs["member"] == member
    ]
    assert [(g.name, g.inputs["role"]) for g in grants] == [
        ("datasets-vm-data-prep-readwrite", "roles/storage.objectUser")
    ]
    datasets = next(
        r for r in graph.resources if r.type == "gcp:storage/bucket:Bucket" and r.name.startswith("datasets")
    )
    assert grants[0].inputs["bucket"] == datasets.outputs["name"]
    project_members = [
        r for r in graph.resources if r.type == "gcp:projects/iAMMember:IAMMember" and r.inputs["member"] == member
    ]
    assert {r.inputs["role"] for r in project_members}.isdisjoint(
        {"roles/storage.objectUser", "roles/storage.objectViewer"}
    )
