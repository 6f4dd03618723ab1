"""Mutation tests: every shipped stack passes its environment's mandatory policies, and every
single misconfiguration of a shipped PROD stack, of its blueprint or of its synthesized
resources, yields a mandatory violation of the expected policy through the real analyzer
(`blueprint.engine.analyzer.analyze`, as `mlbp check` runs the pack). The catch rate is
printed and must be 100 %.

A mutation is caught when the analyzer reports a mandatory violation of its policy on its
subject (a resource name, or the stack for stack-level findings) that the unmutated stack does
not have under the same config. To keep the run short, mutations of one stack are applied
together where they cannot interfere: resource mutations touch different resources or
policies (a batch never expects one (policy, subject) twice, nor one stack-level policy
twice), and a stack's blueprint mutations go into one variant stack file. Dev-only rules (GPU
allow-list, scale to zero) are checked by analyzing the prod stack under the dev config; that
baseline, for the mutation's policy only, comes from the library in process (a test checks
that the in-process verdicts equal the analyzer's on the shipped stacks).

Blueprint variants live in a temporary copy of the project (`Pulumi.yaml`, `stacks/`,
`policies/`, the virtualenv linked), named `<stack>-mutant`: the pack reads the blueprint of
the stack it is given (regimes, budget) from the stack files of the project it runs in, so the
variant's blueprint must be the one the pack finds.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from mlp_policies.registry import rule_named
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import ResourceRule, StackRule

from blueprint.engine.analyzer import analyze
from blueprint.engine.model import AnalysisResult, ResourceGraph, ResourceRecord
from blueprint.engine.synth import SynthError, synthesize_stacks

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies"
SHIPPED = {
    "aws-dev": "dev",
    "aws-prod": "prod",
    "gcp-dev": "dev",
    "gcp-prod": "prod",
    "azure-dev": "dev",
    "azure-prod": "prod",
}
PROD_STACKS = ("aws-prod", "gcp-prod", "azure-prod")
VARIANT = "{stack}-mutant"
DELETE = object()
Expect = tuple[str, str | None]  # (policy, subject resource name; None: the stack itself)
Findings = set[Expect]


# --- editing a synthesized graph --------------------------------------------------------------


def find(graph: ResourceGraph, type_: str, *, component: str | None = None, name: str | None = None) -> ResourceRecord:
    """The one resource of `type_` under the component named `component` (or named `name`)."""
    found = [
        r
        for r in graph.resources
        if r.type == type_
        and (component is None or (r.parent or "").endswith(f"::{component}"))
        and (name is None or r.name == name)
    ]
    assert len(found) == 1, f"{type_} {component or name}: {[r.name for r in found]}"
    return found[0]


def _set(props: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(props))
    for path, value in changes.items():
        *head, last = path.split(".")
        target: Any = out
        for key in head:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is DELETE:
            target.pop(last, None)
        else:
            target[last] = value
    return out


def mutate(
    graph: ResourceGraph, target: ResourceRecord, changes: Mapping[str, Any], *, protect: bool | None = None
) -> ResourceGraph:
    """One resource's inputs and outputs changed (resource policies read inputs, stack policies
    outputs), and its protect option if given."""

    def changed(r: ResourceRecord) -> ResourceRecord:
        r = replace(r, inputs=_set(r.inputs, changes), outputs=_set(r.outputs, changes) if r.outputs else {})
        return r if protect is None else replace(r, protect=protect)

    return replace(graph, resources=tuple(changed(r) if r.urn == target.urn else r for r in graph.resources))


def drop(graph: ResourceGraph, target: ResourceRecord) -> ResourceGraph:
    return replace(graph, resources=tuple(r for r in graph.resources if r.urn != target.urn))


# --- the mutations --------------------------------------------------------------------------

S3_BUCKET = "aws:s3/bucket:Bucket"
S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
S3_LOGGING = "aws:s3/bucketLogging:BucketLogging"
KMS_KEY = "aws:kms/key:Key"
SNS_TOPIC = "aws:sns/topic:Topic"
EKS = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
KEY_RING = "gcp:kms/keyRing:KeyRing"
GKE = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
MANAGEMENT_POLICY = "azure-native:storage:ManagementPolicy"
VAULT = "azure-native:keyvault:Vault"
VAULT_KEY = "azure-native:keyvault:Key"
AKS = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
CLUSTER_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue"
BUDGETS = frozenset({"aws:budgets/budget:Budget", "gcp:billing/budget:Budget", "azure-native:consumption:Budget"})

GraphEdit = Callable[[ResourceGraph], ResourceGraph]


@dataclass(frozen=True)
class StackFileEdit:
    """A change to a stack file (parsed YAML: `config` -> `ml-platform:blueprint`, provider keys)."""

    apply: Callable[[dict[str, Any]], None]


@dataclass(frozen=True, kw_only=True)
class Mutation:
    name: str
    stack: str  # a shipped prod stack
    expect: Expect
    env: str  # the config it is analyzed under
    edit: GraphEdit | StackFileEdit  # of the synthesized resources, or of the blueprint

    @property
    def kind(self) -> str:
        return "blueprint" if isinstance(self.edit, StackFileEdit) else "resources"


def no_budget(g: ResourceGraph) -> ResourceGraph:
    """Drop every budget (GCP has two: the stack's labelled costs and the whole project)."""
    for budget in [r for r in g.resources if r.type in BUDGETS]:
        g = drop(g, budget)
    return g


def gcs_without(rule_type: str, component: str) -> GraphEdit:
    def edit(g: ResourceGraph) -> ResourceGraph:
        bucket = find(g, GCS_BUCKET, component=component)
        kept = [r for r in bucket.inputs["lifecycleRules"] if r["action"]["type"] != rule_type]
        return mutate(g, bucket, {"lifecycleRules": kept})

    return edit


def gcs_without_noncurrent_expiry(component: str) -> GraphEdit:
    def edit(g: ResourceGraph) -> ResourceGraph:
        bucket = find(g, GCS_BUCKET, component=component)
        kept = [r for r in bucket.inputs["lifecycleRules"] if "daysSinceNoncurrentTime" not in r["condition"]]
        return mutate(g, bucket, {"lifecycleRules": kept})

    return edit


def bucket_named(type_: str, component: str, changes: Mapping[str, Any], **kw: Any) -> GraphEdit:
    return lambda g: mutate(g, find(g, type_, component=component), changes, **kw)


def named(type_: str, name: str, changes: Mapping[str, Any], **kw: Any) -> GraphEdit:
    return lambda g: mutate(g, find(g, type_, name=name), changes, **kw)


def dropped(type_: str, component: str) -> GraphEdit:
    return lambda g: drop(g, find(g, type_, component=component))


def dropped_named(type_: str, name: str) -> GraphEdit:
    return lambda g: drop(g, find(g, type_, name=name))


def gpu_quota(queue: str, flavor: str, nominal: float) -> GraphEdit:
    """One ClusterQueue's nvidia.com/gpu nominal quota on one flavor."""

    def edit(g: ResourceGraph) -> ResourceGraph:
        target = find(g, CLUSTER_QUEUE, name=f"cluster-layer-queues-cq-{queue}")
        flavors = target.inputs["spec"]["resourceGroups"][0]["flavors"]
        (i,) = [n for n, f in enumerate(flavors) if f["name"] == flavor]
        (j,) = [n for n, r in enumerate(flavors[i]["resources"]) if r["name"] == "nvidia.com/gpu"]
        return mutate(g, target, {f"spec.resourceGroups.0.flavors.{i}.resources.{j}.nominalQuota": nominal})

    return edit


def region(name: str, config_key: str) -> StackFileEdit:
    def edit(doc: dict[str, Any]) -> None:
        doc["config"][config_key] = name
        doc["config"]["ml-platform:blueprint"]["region"] = name

    return StackFileEdit(edit)


def bucket_setting(bucket: str, key: str, value: Any) -> StackFileEdit:
    def edit(doc: dict[str, Any]) -> None:
        (entry,) = [b for b in doc["config"]["ml-platform:blueprint"]["buckets"] if b["name"] == bucket]
        entry[key] = value

    return StackFileEdit(edit)


def blueprint_setting(path: str, value: Any) -> StackFileEdit:
    def edit(doc: dict[str, Any]) -> None:
        *head, last = path.split(".")
        target = doc["config"]["ml-platform:blueprint"]
        for key in head:
            target = target[key]
        target[last] = value(target.get(last)) if callable(value) else value

    return StackFileEdit(edit)


def with_hipaa(current: list[str] | None) -> list[str]:
    return [*(current or []), "hipaa"]


def unrestricted_egress(doc: dict[str, Any]) -> None:
    for group in doc["config"]["ml-platform:blueprint"]["autoscalingGroups"]:
        group["egress"] = "all"


LIFECYCLE, VERSIONED = "buckets-have-lifecycle-tiering", "buckets-versioned-with-noncurrent-expiry"
PROTECTED, WINDOW = "data-resources-protected-from-deletion", "key-deletion-window-at-maximum"
CLASSIFIED, REGIONS = "classified-data-logged-and-cmk-encrypted", "resources-in-compliance-regions"
HIPAA, BUDGET = "hipaa-audit-logging-and-no-spot-data-paths", "cost-within-budget"
EGRESS = "vm-egress-restricted"
PINNED, RUNTIME = "helm-releases-pinned-to-catalog", "gpu-pools-have-one-gpu-runtime"
AUTOSCALER, IDENTITY = "eks-gpu-pools-have-cluster-autoscaler", "workload-service-accounts-have-identity"
QUOTAS = "kueue-gpu-quotas-fit-pools"
PLUGIN, KUEUE_RELEASE = "cluster-layer-gpu-runtime-device-plugin", "cluster-layer-queues-kueue"
GPU_ONLY = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
ALERTS, ROTATE, PRIVATE = "stack-has-budget-with-alerts", "keys-rotate", "cluster-endpoints-private"
SCALE_TO_ZERO, GPU_TYPES = "gpu-pools-scale-to-zero", "gpu-types-allowed-in-environment"
PUBLIC_EKS = {"vpcConfig.endpointPublicAccess": True, "vpcConfig.publicAccessCidrs": ["0.0.0.0/0"]}
AZURE_TIERS = {
    f"policy.rules.0.definition.actions.baseBlob.{t}": DELETE for t in ("tierToCool", "tierToCold", "tierToArchive")
}
GCP_H100 = {
    "nodeConfig.machineType": "a3-highgpu-8g",
    "nodeConfig.guestAccelerators": [{"type": "nvidia-h100-80gb", "count": 8.0}],
}
AKS_PINNED = {"scaleSetPriority": "Regular", "minCount": 8.0, "count": 8.0, "maxCount": 8.0}
VERSIONING_OFF = bucket_setting("checkpoints", "versioning", False)
LOW_BUDGET = blueprint_setting("budget.monthlyLimitUsd", 5000)  # below every prod stack's expected cost
HIPAA_ON = blueprint_setting("compliance", with_hipaa)  # the prod stacks train on spot
EGRESS_ALL = StackFileEdit(unrestricted_egress)  # the named opt-out, unsuppressed

# (stack, misconfiguration, expected policy, on subject (None: the stack), the edit, the config)
# fmt: off
TABLE: list[tuple[str, str, str, str | None, GraphEdit | StackFileEdit, str]] = [
    ("aws-prod", "bucket without tiers", LIFECYCLE, "datasets-bucket",
     bucket_named(S3_LIFECYCLE, "datasets", {"rules.0.transitions": DELETE}), "prod"),
    ("aws-prod", "missing budget", ALERTS, None, no_budget, "prod"),
    ("aws-prod", "force_destroy on", PROTECTED, "models-bucket",
     bucket_named(S3_BUCKET, "models", {"forceDestroy": True}), "prod"),
    ("aws-prod", "protect off in prod", PROTECTED, "checkpoints-bucket",
     bucket_named(S3_BUCKET, "checkpoints", {}, protect=False), "prod"),
    ("aws-prod", "key rotation off", ROTATE, "platform-key",
     named(KMS_KEY, "platform-key", {"enableKeyRotation": False}), "prod"),
    ("aws-prod", "alert topic on the AWS managed key", "alert-topics-encrypted-with-customer-key", "alerts-topic",
     named(SNS_TOPIC, "alerts-topic", {"kmsMasterKeyId": "alias/aws/sns"}), "prod"),
    ("aws-prod", "7-day key deletion window", WINDOW, "platform-key",
     named(KMS_KEY, "platform-key", {"deletionWindowInDays": 7.0}), "prod"),
    ("aws-prod", "public endpoint on", PRIVATE, "cluster-eks", named(EKS, "cluster-eks", PUBLIC_EKS), "prod"),
    ("aws-prod", "confidential bucket without access logs", CLASSIFIED, "models-bucket",
     dropped(S3_LOGGING, "models"), "prod"),
    ("aws-prod", "noncurrent versions kept forever", VERSIONED, "checkpoints-bucket",
     bucket_named(S3_LIFECYCLE, "checkpoints", {"rules.0.noncurrentVersionExpiration": DELETE}), "prod"),
    ("aws-prod", "expected cost above budget (train pool pinned at max on demand)", BUDGET, None,
     named(NODE_GROUP, "train-ng", {"capacityType": "ON_DEMAND", "scalingConfig.minSize": 4.0}), "prod"),
    ("aws-prod", "GPU pool min 1 in dev", SCALE_TO_ZERO, "eval-ng",
     named(NODE_GROUP, "eval-ng", {"scalingConfig.minSize": 1.0}), "dev"),
    ("aws-prod", "H100 in dev", GPU_TYPES, "serve-ng",
     named(NODE_GROUP, "serve-ng", {"instanceTypes": ["p5.48xlarge"]}), "dev"),
    ("aws-prod", "region outside the GDPR list", REGIONS, "datasets-bucket",
     region("us-east-1", "aws:region"), "prod"),
    ("aws-prod", "versioning off", VERSIONED, "checkpoints-bucket", VERSIONING_OFF, "prod"),
    ("aws-prod", "budget below the expected cost", BUDGET, None, LOW_BUDGET, "prod"),
    ("aws-prod", "hipaa with spot training", HIPAA, "train-ng", HIPAA_ON, "prod"),
    ("aws-prod", "VM group egress: all", EGRESS, "data-prep-lt", EGRESS_ALL, "prod"),
    ("aws-prod", "device plugin at an unpinned version", PINNED, PLUGIN,
     named(HELM_RELEASE, PLUGIN, {"version": "0.17.1"}), "prod"),
    ("aws-prod", "Bottlerocket AMI on a pool the device plugin also serves", RUNTIME, "serve-ng",
     named(NODE_GROUP, "serve-ng", {"amiType": "BOTTLEROCKET_x86_64_NVIDIA"}), "prod"),
    ("aws-prod", "no Cluster Autoscaler", AUTOSCALER, "eval-ng",
     dropped_named(HELM_RELEASE, "cluster-autoscaler-release"), "prod"),
    ("aws-prod", "train quota above the pool's GPUs", QUOTAS, "cluster-layer-queues-flavor-train",
     gpu_quota("trainer", "train", 40.0), "prod"),  # the pool: 4 nodes x 8 GPUs

    ("gcp-prod", "bucket without tiers", LIFECYCLE, "datasets-bucket",
     gcs_without("SetStorageClass", "datasets"), "prod"),
    ("gcp-prod", "missing budget", ALERTS, None, no_budget, "prod"),
    ("gcp-prod", "force_destroy on", PROTECTED, "models-bucket",
     bucket_named(GCS_BUCKET, "models", {"forceDestroy": True}), "prod"),
    ("gcp-prod", "protect off in prod", PROTECTED, "platform-ring",
     named(KEY_RING, "platform-ring", {}, protect=False), "prod"),
    ("gcp-prod", "key rotation off", ROTATE, "platform-key",
     named(CRYPTO_KEY, "platform-key", {"rotationPeriod": DELETE}), "prod"),
    ("gcp-prod", "1-day key destroy window", WINDOW, "platform-key",
     named(CRYPTO_KEY, "platform-key", {"destroyScheduledDuration": "86400s"}), "prod"),
    ("gcp-prod", "public endpoint on", PRIVATE, "cluster-gke",
     named(GKE, "cluster-gke", {"privateClusterConfig.enablePrivateEndpoint": False}), "prod"),
    ("gcp-prod", "confidential bucket without access logs", CLASSIFIED, "checkpoints-bucket",
     named("gcp:projects/iAMAuditConfig:IAMAuditConfig", "storage-data-access", {"auditLogConfigs": []}), "prod"),
    ("gcp-prod", "noncurrent versions kept forever", VERSIONED, "models-bucket",
     gcs_without_noncurrent_expiry("models"), "prod"),
    ("gcp-prod", "expected cost above budget (train pool pinned at max on demand)", BUDGET, None,
     named(NODE_POOL, "train-np", {"nodeConfig.spot": False, "autoscaling.totalMinNodeCount": 4.0}), "prod"),
    ("gcp-prod", "GPU pool min 1 in dev", SCALE_TO_ZERO, "eval-np",
     named(NODE_POOL, "eval-np", {"autoscaling.totalMinNodeCount": 1.0}), "dev"),
    ("gcp-prod", "H100 in dev", GPU_TYPES, "serve-np", named(NODE_POOL, "serve-np", GCP_H100), "dev"),
    ("gcp-prod", "region outside the GDPR list", REGIONS, "datasets-bucket",
     region("us-central1", "gcp:region"), "prod"),
    ("gcp-prod", "versioning off", VERSIONED, "checkpoints-bucket", VERSIONING_OFF, "prod"),
    ("gcp-prod", "budget below the expected cost", BUDGET, None, LOW_BUDGET, "prod"),
    ("gcp-prod", "hipaa with spot training", HIPAA, "train-np", HIPAA_ON, "prod"),
    ("gcp-prod", "VM group egress: all", EGRESS, "data-prep-template", EGRESS_ALL, "prod"),
    ("gcp-prod", "Kueue chart at a range", PINNED, KUEUE_RELEASE,
     named(HELM_RELEASE, KUEUE_RELEASE, {"version": "^0.19"}), "prod"),
    ("gcp-prod", "service account without its GCP service account", IDENTITY, "cluster-layer-tenancy-trainer",
     named(SERVICE_ACCOUNT, "cluster-layer-tenancy-trainer", {"metadata.annotations": DELETE}), "prod"),
    ("gcp-prod", "serve quota above the pool's GPUs", QUOTAS, "cluster-layer-queues-flavor-serve",
     gpu_quota("server", "serve", 10.0), "prod"),

    # Azure has prices for westeurope only: the region moves by resource, so that the blueprint
    # variant's budget mutation is still priced.
    ("azure-prod", "bucket without tiers", LIFECYCLE, "datasets-account",
     bucket_named(MANAGEMENT_POLICY, "datasets", AZURE_TIERS), "prod"),
    ("azure-prod", "missing budget", ALERTS, None, no_budget, "prod"),
    ("azure-prod", "blob soft delete off", VERSIONED, "models-account",
     bucket_named(BLOB_SERVICE, "models", {"deleteRetentionPolicy.enabled": False}), "prod"),
    ("azure-prod", "protect off in prod", PROTECTED, "checkpoints-account",
     bucket_named(ACCOUNT, "checkpoints", {}, protect=False), "prod"),
    ("azure-prod", "key rotation off", ROTATE, "platform-key",
     named(VAULT_KEY, "platform-key", {"properties.rotationPolicy": DELETE}), "prod"),
    ("azure-prod", "purge protection off", WINDOW, "platform-vault",
     named(VAULT, "platform-vault", {"properties.enablePurgeProtection": False}), "prod"),
    ("azure-prod", "public endpoint on", PRIVATE, "cluster-aks",
     named(AKS, "cluster-aks", {"apiServerAccessProfile.enablePrivateCluster": False}), "prod"),
    ("azure-prod", "confidential account without the customer key", CLASSIFIED, "datasets-account",
     bucket_named(ACCOUNT, "datasets", {"encryption.keySource": "Microsoft.Storage"}), "prod"),
    ("azure-prod", "storage account outside the GDPR list", REGIONS, "models-account",
     bucket_named(ACCOUNT, "models", {"location": "eastus"}), "prod"),
    ("azure-prod", "expected cost above budget (train pool pinned at 8 nodes, regular)", BUDGET, None,
     named(AGENT_POOL, "train-pool", AKS_PINNED), "prod"),
    ("azure-prod", "GPU pool min 1 in dev", SCALE_TO_ZERO, "eval-pool",
     named(AGENT_POOL, "eval-pool", {"minCount": 1.0, "count": 1.0}), "dev"),
    ("azure-prod", "H100 in dev", GPU_TYPES, "serve-pool",
     named(AGENT_POOL, "serve-pool", {"vmSize": "Standard_ND96isr_H100_v5"}), "dev"),
    ("azure-prod", "versioning off", VERSIONED, "checkpoints-account", VERSIONING_OFF, "prod"),
    ("azure-prod", "budget below the expected cost", BUDGET, None, LOW_BUDGET, "prod"),
    ("azure-prod", "hipaa with spot training", HIPAA, "train-pool", HIPAA_ON, "prod"),
    ("azure-prod", "VM group egress: all", EGRESS, "data-prep-vmss", EGRESS_ALL, "prod"),
    ("azure-prod", "device plugin without the spot toleration", RUNTIME, "train-pool",
     named(HELM_RELEASE, PLUGIN, {"values.tolerations": GPU_ONLY}), "prod"),
    ("azure-prod", "service account without its client id", IDENTITY, "cluster-layer-tenancy-server",
     named(SERVICE_ACCOUNT, "cluster-layer-tenancy-server", {"metadata.annotations": DELETE}), "prod"),
    ("azure-prod", "Kueue chart without a version", PINNED, KUEUE_RELEASE,
     named(HELM_RELEASE, KUEUE_RELEASE, {"version": DELETE}), "prod"),
]
# fmt: on


MUTATIONS = [
    Mutation(name=f"{stack}: {what}", stack=stack, expect=(policy, subject), edit=edit, env=env)
    for stack, what, policy, subject, edit, env in TABLE
]


# --- running the analyzer ------------------------------------------------------------------------


def _config(env: str) -> dict[str, Any]:
    return dict(json.loads((PACK / "config" / f"{env}.json").read_text()))


def mandatory(result: AnalysisResult) -> Findings:
    return {
        (d.policy, d.urn.rsplit("::", 1)[-1] if d.urn else None) for d in result.diagnostics if d.level == "mandatory"
    }


def in_process(graph: ResourceGraph, policy: str, env: str) -> Findings:
    """One policy's mandatory failures on `graph` under `env`, by the library directly (resource rules on
    inputs, stack rules on outputs, as the adapters see them): a baseline that needs no run."""
    rule = rule_named(policy)
    resources = [
        (
            r,
            Resource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                props=dict(r.outputs if isinstance(rule, StackRule) and r.outputs else r.inputs),
                parent=r.parent,
                dependencies=r.dependencies,
                property_dependencies=r.property_dependencies,
                protect=r.protect,
            ),
        )
        for r in graph.resources
    ]
    entry = _config(env)[policy]
    settings = {k: v for k, v in entry.items() if k != "enforcementLevel"} if isinstance(entry, dict) else {}
    level = entry.get("enforcementLevel", rule.enforcement) if isinstance(entry, dict) else entry
    if level not in ("mandatory", "remediate"):
        return set()
    if isinstance(rule, StackRule):
        findings = rule.evaluate(Stack(tuple(r for _, r in resources)), settings)
        return {(policy, f.subject.name if f.subject else None) for f in findings if f.outcome.status == "fail"}
    assert isinstance(rule, ResourceRule)
    return {(policy, r.name) for _, r in resources if rule.evaluate(r, settings).status == "fail"}


@dataclass(frozen=True)
class Job:
    key: tuple[str, str, str]  # (kind, stack, env)
    pack: Path
    graph: ResourceGraph


def _project_copy(tmp: Path) -> Path:
    """The project as the pack sees it (stack files, pack, virtualenv), for variant stack files."""
    shutil.copy2(ROOT / "Pulumi.yaml", tmp / "Pulumi.yaml")
    shutil.copytree(ROOT / "stacks", tmp / "stacks")
    shutil.copytree(PACK, tmp / "policies", ignore=shutil.ignore_patterns("__pycache__"))
    os.symlink(ROOT / ".venv", tmp / ".venv")
    return tmp


def _write_variant(project: Path, stack: str, edits: list[StackFileEdit]) -> Path:
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    for edit in edits:
        edit.apply(doc)
    path = project / "stacks" / f"Pulumi.{VARIANT.format(stack=stack)}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _batch(stack: str, kind: str, env: str) -> list[Mutation]:
    """The mutations applied together; none may make another's finding ambiguous."""
    batch = [m for m in MUTATIONS if (m.stack, m.kind, m.env) == (stack, kind, env)]
    expects = [m.expect for m in batch]
    assert len(set(expects)) == len(expects), f"two mutations of one batch expect the same finding: {expects}"
    stack_level = [policy for policy, subject in expects if subject is None]
    assert len(set(stack_level)) == len(stack_level), f"one stack-level policy twice in a batch: {stack_level}"
    return batch


@dataclass(frozen=True)
class Runs:
    graphs: dict[str, ResourceGraph]
    results: dict[tuple[str, str, str], AnalysisResult]


@pytest.fixture(scope="module")
def runs(shipped_graphs: dict[str, ResourceGraph], tmp_path_factory: pytest.TempPathFactory) -> Runs:
    assert set(shipped_graphs) == set(SHIPPED)
    project = _project_copy(tmp_path_factory.mktemp("project"))
    variants = {
        VARIANT.format(stack=stack): _write_variant(
            project, stack, [m.edit for m in _batch(stack, "blueprint", "prod") if isinstance(m.edit, StackFileEdit)]
        )
        for stack in PROD_STACKS
    }
    graphs = dict(shipped_graphs)
    for name, result in zip(variants, synthesize_stacks(ROOT, list(variants.values()), jobs=2), strict=True):
        if isinstance(result, SynthError):
            pytest.fail(str(result))
        graphs[name] = result

    jobs = [Job(("shipped", s, env), PACK, graphs[s]) for s, env in SHIPPED.items()]
    for stack in PROD_STACKS:
        for env in ("prod", "dev"):
            graph = graphs[stack]
            for mutation in _batch(stack, "resources", env):
                assert not isinstance(mutation.edit, StackFileEdit)
                graph = mutation.edit(graph)
            jobs.append(Job(("resources", stack, env), PACK, graph))
        jobs.append(Job(("blueprint", stack, "prod"), project / "policies", graphs[VARIANT.format(stack=stack)]))

    def run(job: Job) -> tuple[tuple[str, str, str], AnalysisResult]:
        return job.key, analyze(job.pack, job.graph, policy_config=_config(job.key[2]), timeout=120)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return Runs(graphs, dict(pool.map(run, jobs)))


def caught(runs: Runs, mutation: Mutation) -> tuple[bool, Findings]:
    """Whether the mutation's finding is a new mandatory violation, and every new one."""
    found = mandatory(runs.results[(mutation.kind, mutation.stack, mutation.env)])
    if mutation.env == SHIPPED[mutation.stack]:
        before = mandatory(runs.results[("shipped", mutation.stack, mutation.env)])
    else:  # a prod stack under the dev config: its own baseline, for the mutation's policy
        before = in_process(runs.graphs[mutation.stack], mutation.expect[0], mutation.env)
    new = found - before
    return mutation.expect in new, new


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", SHIPPED)
def test_shipped_stack_has_no_mandatory_violation_in_its_environment(runs: Runs, stack: str) -> None:
    result = runs.results[("shipped", stack, SHIPPED[stack])]
    assert [(d.policy, d.urn, d.message) for d in result.diagnostics if d.level == "mandatory"] == []


def test_every_single_misconfiguration_of_a_prod_stack_is_caught(runs: Runs) -> None:
    rows, missed = [], []
    for mutation in MUTATIONS:
        hit, new = caught(runs, mutation)
        policy, subject = mutation.expect
        rows.append(f"  {'caught' if hit else 'MISSED'}  {mutation.name} -> {policy} on {subject or 'the stack'}")
        if not hit:
            missed.append(
                f"{mutation.name}: expected {mutation.expect}; new mandatory violations: {sorted(new, key=str)}"
            )
    rate = 100 * (len(MUTATIONS) - len(missed)) / len(MUTATIONS)
    print(f"\nmutation catch rate: {len(MUTATIONS) - len(missed)}/{len(MUTATIONS)} = {rate:.0f} %", *rows, sep="\n")
    assert missed == [], f"catch rate {rate:.0f} %"


def test_the_in_process_baseline_agrees_with_the_analyzer(runs: Runs) -> None:
    # The dev-config baselines are computed without the analyzer; on the shipped runs both agree.
    for stack, env in SHIPPED.items():
        found = mandatory(runs.results[("shipped", stack, env)])
        for policy in {m.expect[0] for m in MUTATIONS if m.env == "dev"}:
            assert in_process(runs.graphs[stack], policy, env) == {f for f in found if f[0] == policy}, (stack, policy)
    broken = runs.results[("resources", "aws-prod", "dev")]
    assert ("gpu-pools-scale-to-zero", "serve-ng") in mandatory(broken)  # serve keeps a node, under dev rules
    assert ("gpu-pools-scale-to-zero", "serve-ng") in in_process(runs.graphs["aws-prod"], SCALE_TO_ZERO, "dev")


def test_every_prod_stack_has_blueprint_and_resource_mutations() -> None:
    for stack in PROD_STACKS:
        kinds = {(m.kind, m.env) for m in MUTATIONS if m.stack == stack}
        assert kinds == {("resources", "prod"), ("resources", "dev"), ("blueprint", "prod")}, stack
