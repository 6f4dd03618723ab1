"""Single misconfigurations of the shipped prod stacks, one or more per security rule (MLP-011
to MLP-022, MLP-030) and per cloud, each of which the real analyzer
(`blueprint.engine.analyzer`, as `mlbp check` runs the pack) must report as a mandatory
violation of its policy on its subject.

The shipped prod stacks have no security findings under their configs (test_shipped.py), so the
mutations of one stack and config are applied together: no two touch the same property or
expect the same finding, and the security findings of the batch must be exactly the expected
ones (nothing missed, nothing else). Non-prod semantics (public endpoints limited to known
ranges) are checked by analyzing the prod stacks under the dev config. MLP-029 (AKS etcd KMS)
is advisory in every config: the shipped Azure stacks already report it. MLP-030 (VM egress)
is mandatory in prod only. MLP-031 (Kubernetes version in standard support) is advisory in
every config, so no mandatory violation can catch it: its day-by-day cases are in
test_cluster_version_in_standard_support.py.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from mlp_policies.registry import all_rules, theme_of

from blueprint.engine.analyzer import analyze
from blueprint.engine.model import AnalysisResult, ResourceGraph, ResourceRecord
from components.azure import roles

PACK = Path(__file__).resolve().parents[3] / "policies"
SECURITY = {r.name for r in all_rules() if theme_of(r) == "security"}
DELETE = object()
Edit = Callable[[ResourceGraph], ResourceGraph]

S3_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
S3_PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KMS_KEY = "aws:kms/key:Key"
EKS = "aws:eks/cluster:Cluster"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
GKE = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
INSTANCE_TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
FIREWALL = "gcp:compute/firewall:Firewall"
ACCOUNT = "azure-native:storage:StorageAccount"
VAULT_KEY = "azure-native:keyvault:Key"
AKS = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
NSG = "azure-native:network:NetworkSecurityGroup"
CONTRIBUTOR = next(guid for guid, name in roles.FORBIDDEN.items() if name == "Contributor")

ENCRYPTED, PUBLIC_ACCESS, TLS = (
    "buckets-encrypted-with-customer-key",
    "buckets-block-public-access",
    "buckets-require-tls",
)
ROTATE, SECRETS = "keys-rotate", "kubernetes-secrets-encrypted-with-customer-key"
ENDPOINT, AUDIT = "cluster-endpoints-private", "control-plane-audit-logging-enabled"
HARDENED, IMDS = "cluster-identity-and-nodes-hardened", "imdsv2-required"
DISKS, PUBLIC_IPS, IAM = "node-disks-encrypted-with-customer-key", "no-public-ips-on-nodes", "iam-least-privilege"
EGRESS = "vm-egress-restricted"
ALERT_TOPIC = "alert-topics-encrypted-with-customer-key"


# --- editing a synthesized graph --------------------------------------------------------------


def find(graph: ResourceGraph, type_: str, *, name: str | None = None, component: str | None = None) -> ResourceRecord:
    """The one resource of `type_` named `name`, or under the component named `component`."""
    found = [
        r
        for r in graph.resources
        if r.type == type_
        and (name is None or r.name == name)
        and (component is None or (r.parent or "").endswith(f"::{component}"))
    ]
    assert len(found) == 1, f"{type_} {name or component}: {[r.name for r in found]}"
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


def change(type_: str, changes: Mapping[str, Any], *, name: str | None = None, component: str | None = None) -> Edit:
    """The resource's inputs and outputs changed (resource policies read inputs, stack policies outputs)."""

    def edit(g: ResourceGraph) -> ResourceGraph:
        target = find(g, type_, name=name, component=component)
        changed = replace(
            target, inputs=_set(target.inputs, changes), outputs=_set(target.outputs, changes) if target.outputs else {}
        )
        return replace(g, resources=tuple(changed if r.urn == target.urn else r for r in g.resources))

    return edit


def remove(type_: str, *, name: str | None = None, component: str | None = None) -> Edit:
    def edit(g: ResourceGraph) -> ResourceGraph:
        target = find(g, type_, name=name, component=component)
        return replace(g, resources=tuple(r for r in g.resources if r.urn != target.urn))

    return edit


def star_action(name: str) -> Edit:
    """The role policy's object statement allows every action."""

    def edit(g: ResourceGraph) -> ResourceGraph:
        document = json.loads(find(g, ROLE_POLICY, name=name).inputs["policy"])
        document["Statement"][1]["Action"] = "*"
        return change(ROLE_POLICY, {"policy": json.dumps(document)}, name=name)(g)

    return edit


def assigned(guid: str, name: str) -> Edit:
    """The role assignment's role swapped for `guid`, in the same subscription."""

    def edit(g: ResourceGraph) -> ResourceGraph:
        prefix = str(find(g, ROLE_ASSIGNMENT, name=name).inputs["roleDefinitionId"]).rsplit("/", 1)[0]
        return change(ROLE_ASSIGNMENT, {"roleDefinitionId": f"{prefix}/{guid}"}, name=name)(g)

    return edit


def without_security_rule(name: str, rule: str) -> Edit:
    """The network security group without its rule named `rule`."""

    def edit(g: ResourceGraph) -> ResourceGraph:
        kept = [r for r in find(g, NSG, name=name).inputs["securityRules"] if r["name"] != rule]
        return change(NSG, {"securityRules": kept}, name=name)(g)

    return edit


# --- the mutations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    stack: str
    env: str
    what: str
    expect: tuple[str, str]  # (policy, subject)
    edit: Edit


SSE_S3 = {"rules.0.applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
OPEN_EKS = {"vpcConfig.endpointPublicAccess": True, "vpcConfig.publicAccessCidrs": ["0.0.0.0/0"]}
OPEN_GKE = {"privateClusterConfig.enablePrivateEndpoint": False, "masterAuthorizedNetworksConfig": DELETE}
OPEN_AKS = {"apiServerAccessProfile": {"enablePrivateCluster": False}}
ADMIN = {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
EXTERNAL_IP = {"networkInterfaces.0.accessConfigs": [{"networkTier": "PREMIUM"}]}
VMSS_OS_DISK_SET = "virtualMachineProfile.storageProfile.osDisk.managedDisk.diskEncryptionSet"
OPEN_EGRESS = {"egress": [{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}]}

# fmt: off
TABLE: list[tuple[str, str, str, str, str, Edit]] = [
    ("aws-prod", "prod", "SSE-S3 instead of the platform key", ENCRYPTED, "datasets-bucket",
     change(S3_ENCRYPTION, SSE_S3, component="datasets")),
    ("aws-prod", "prod", "a public access block flag off", PUBLIC_ACCESS, "checkpoints-bucket",
     change(S3_PUBLIC_ACCESS, {"blockPublicPolicy": False}, component="checkpoints")),
    ("aws-prod", "prod", "bucket policy without the TLS deny", TLS, "models-bucket",
     remove(S3_POLICY, component="models")),
    ("aws-prod", "prod", "key rotation off", ROTATE, "platform-key",
     change(KMS_KEY, {"enableKeyRotation": False}, name="platform-key")),
    ("aws-prod", "prod", "alert topic unencrypted", ALERT_TOPIC, "alerts-topic",
     change("aws:sns/topic:Topic", {"kmsMasterKeyId": DELETE}, name="alerts-topic")),
    ("aws-prod", "prod", "secrets not encrypted", SECRETS, "cluster-eks",
     change(EKS, {"encryptionConfig": DELETE}, name="cluster-eks")),
    ("aws-prod", "prod", "public endpoint on", ENDPOINT, "cluster-eks",
     change(EKS, {"vpcConfig.endpointPublicAccess": True}, name="cluster-eks")),
    ("aws-prod", "prod", "audit log off", AUDIT, "cluster-eks",
     change(EKS, {"enabledClusterLogTypes": ["api"]}, name="cluster-eks")),
    ("aws-prod", "prod", "cluster creator made admin", HARDENED, "cluster-eks",
     change(EKS, {"accessConfig.bootstrapClusterCreatorAdminPermissions": True}, name="cluster-eks")),
    ("aws-prod", "prod", "IMDSv1 allowed", IMDS, "serve-lt",
     change(LAUNCH_TEMPLATE, {"metadataOptions.httpTokens": "optional"}, name="serve-lt")),
    ("aws-prod", "prod", "unencrypted node volume", DISKS, "train-lt",
     change(LAUNCH_TEMPLATE, {"blockDeviceMappings.0.ebs.encrypted": "false"}, name="train-lt")),
    ("aws-prod", "prod", "public IP on batch VMs", PUBLIC_IPS, "data-prep-lt",
     change(LAUNCH_TEMPLATE, {"networkInterfaces.0.associatePublicIpAddress": "true"}, name="data-prep-lt")),
    ("aws-prod", "prod", "node subnet maps public IPs", PUBLIC_IPS, "network-private-a",
     change(SUBNET, {"mapPublicIpOnLaunch": True}, name="network-private-a")),
    ("aws-prod", "prod", "* action in a workload policy", IAM, "trainer-datasets-read",
     star_action("trainer-datasets-read")),
    ("aws-prod", "prod", "AdministratorAccess on the node role", IAM, "nodes-AmazonSSMManagedInstanceCore",
     change(ROLE_ATTACHMENT, ADMIN, name="nodes-AmazonSSMManagedInstanceCore")),
    ("aws-prod", "prod", "batch VMs may connect anywhere", EGRESS, "data-prep-lt",
     change(SECURITY_GROUP, OPEN_EGRESS, name="data-prep-sg")),
    ("aws-prod", "dev", "endpoint open to 0.0.0.0/0 in dev", ENDPOINT, "cluster-eks",
     change(EKS, OPEN_EKS, name="cluster-eks")),

    ("gcp-prod", "prod", "bucket without the platform key", ENCRYPTED, "datasets-bucket",
     change(GCS_BUCKET, {"encryption": DELETE}, component="datasets")),
    ("gcp-prod", "prod", "public access prevention inherited", PUBLIC_ACCESS, "checkpoints-bucket",
     change(GCS_BUCKET, {"publicAccessPrevention": "inherited"}, component="checkpoints")),
    ("gcp-prod", "prod", "key rotated yearly", ROTATE, "platform-key",
     change(CRYPTO_KEY, {"rotationPeriod": "31536000s"}, name="platform-key")),
    ("gcp-prod", "prod", "secrets not encrypted", SECRETS, "cluster-gke",
     change(GKE, {"databaseEncryption": {"state": "DECRYPTED"}}, name="cluster-gke")),
    ("gcp-prod", "prod", "public endpoint on", ENDPOINT, "cluster-gke",
     change(GKE, {"privateClusterConfig.enablePrivateEndpoint": False}, name="cluster-gke")),
    ("gcp-prod", "prod", "control-plane logging off", AUDIT, "cluster-gke",
     change(GKE, {"loggingConfig.enableComponents": ["WORKLOADS"]}, name="cluster-gke")),
    ("gcp-prod", "prod", "secure boot off", HARDENED, "serve-np",
     change(NODE_POOL, {"nodeConfig.shieldedInstanceConfig.enableSecureBoot": False}, name="serve-np")),
    ("gcp-prod", "prod", "boot disks on Google-managed keys", DISKS, "eval-np",
     change(NODE_POOL, {"nodeConfig.bootDiskKmsKey": DELETE}, name="eval-np")),
    ("gcp-prod", "prod", "external IP on batch VMs", PUBLIC_IPS, "data-prep-template",
     change(INSTANCE_TEMPLATE, EXTERNAL_IP, name="data-prep-template")),
    ("gcp-prod", "prod", "editor role for the node service account", IAM, "nodes-container-defaultNodeServiceAccount",
     change(PROJECT_MEMBER, {"role": "roles/editor"}, name="nodes-container-defaultNodeServiceAccount")),
    ("gcp-prod", "prod", "batch VM egress deny rule removed", EGRESS, "data-prep-template",
     remove(FIREWALL, name="data-prep-egress-deny")),
    ("gcp-prod", "dev", "public endpoint without authorized networks in dev", ENDPOINT, "cluster-gke",
     change(GKE, OPEN_GKE, name="cluster-gke")),

    ("azure-prod", "prod", "account on Microsoft-managed keys", ENCRYPTED, "models-account",
     change(ACCOUNT, {"encryption.keySource": "Microsoft.Storage"}, component="models")),
    ("azure-prod", "prod", "shared keys on", PUBLIC_ACCESS, "checkpoints-account",
     change(ACCOUNT, {"allowSharedKeyAccess": True}, component="checkpoints")),
    ("azure-prod", "prod", "TLS 1.0 accepted", TLS, "datasets-account",
     change(ACCOUNT, {"minimumTlsVersion": "TLS1_0"}, component="datasets")),
    ("azure-prod", "prod", "key rotation policy removed", ROTATE, "platform-key",
     change(VAULT_KEY, {"properties.rotationPolicy": DELETE}, name="platform-key")),
    ("azure-prod", "prod", "public API server", ENDPOINT, "cluster-aks",
     change(AKS, {"apiServerAccessProfile.enablePrivateCluster": False}, name="cluster-aks")),
    ("azure-prod", "prod", "audit diagnostics dropped", AUDIT, "cluster-aks",
     remove(DIAGNOSTICS, name="cluster-diagnostics")),
    ("azure-prod", "prod", "local accounts on", HARDENED, "cluster-aks",
     change(AKS, {"disableLocalAccounts": False}, name="cluster-aks")),
    ("azure-prod", "prod", "batch OS disks on platform keys", DISKS, "data-prep-vmss",
     change(VMSS, {VMSS_OS_DISK_SET: DELETE}, name="data-prep-vmss")),
    ("azure-prod", "prod", "public node IPs", PUBLIC_IPS, "train-pool",
     change(AGENT_POOL, {"enableNodePublicIP": True}, name="train-pool")),
    ("azure-prod", "prod", "Contributor for a workload identity", IAM, "trainer-datasets-read",
     assigned(CONTRIBUTOR, "trainer-datasets-read")),
    ("azure-prod", "prod", "batch NIC group without its outbound deny", EGRESS, "data-prep-vmss",
     without_security_rule("data-prep-nsg", "deny-all-out")),
    ("azure-prod", "dev", "public API server without authorized ranges in dev", ENDPOINT, "cluster-aks",
     change(AKS, OPEN_AKS, name="cluster-aks")),
]
# fmt: on
MUTATIONS = [Mutation(stack, env, what, (policy, subject), edit) for stack, env, what, policy, subject, edit in TABLE]
BATCHES = sorted({(m.stack, m.env) for m in MUTATIONS})


def _security_mandatory(result: AnalysisResult) -> set[tuple[str, str | None]]:
    return {
        (d.policy, d.urn.rsplit("::", 1)[-1] if d.urn else None)
        for d in result.diagnostics
        if d.level == "mandatory" and d.policy in SECURITY
    }


@pytest.fixture(scope="module")
def results(shipped_graphs: dict[str, ResourceGraph]) -> dict[tuple[str, str], AnalysisResult]:
    """One analyzer run per (stack, config): every mutation of that batch applied."""

    def run(batch: tuple[str, str]) -> tuple[tuple[str, str], AnalysisResult]:
        stack, env = batch
        graph = shipped_graphs[stack]
        for mutation in MUTATIONS:
            if (mutation.stack, mutation.env) == batch:
                graph = mutation.edit(graph)
        config = json.loads((PACK / "config" / f"{env}.json").read_text())
        return batch, analyze(PACK, graph, policy_config=config, timeout=120)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(pool.map(run, BATCHES))


@pytest.mark.parametrize("batch", BATCHES, ids=[f"{s}-under-{e}" for s, e in BATCHES])
def test_each_misconfiguration_is_a_mandatory_violation_and_nothing_else(
    results: dict[tuple[str, str], AnalysisResult], batch: tuple[str, str]
) -> None:
    expected = {m.expect for m in MUTATIONS if (m.stack, m.env) == batch}
    found = _security_mandatory(results[batch])
    missed = sorted(m.what for m in MUTATIONS if (m.stack, m.env) == batch and m.expect not in found)
    assert missed == []
    assert found == expected


def test_catch_rate_is_complete(results: dict[tuple[str, str], AnalysisResult]) -> None:
    caught = [m for m in MUTATIONS if m.expect in _security_mandatory(results[(m.stack, m.env)])]
    print(f"\nsecurity mutation catch rate: {len(caught)}/{len(MUTATIONS)}")
    assert len(caught) == len(MUTATIONS)


def test_every_security_rule_mandatory_in_prod_is_mutated_on_every_cloud_it_covers() -> None:
    prod = json.loads((PACK / "config" / "prod.json").read_text())
    covered = {(m.expect[0], m.stack.split("-", 1)[0]) for m in MUTATIONS}
    for rule in all_rules():
        entry = prod[rule.name]
        level = entry if isinstance(entry, str) else entry["enforcementLevel"]
        if rule.name in SECURITY and level == "mandatory":
            assert {(rule.name, cloud) for cloud in rule.clouds} <= covered, rule.name
