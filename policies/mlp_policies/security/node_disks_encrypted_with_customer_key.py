"""MLP-020: node and VM disks are encrypted with a customer-managed key.

- AWS: every EBS mapping of a launch template, every EBS device of an instance and every EBS
  volume is `encrypted` with a `kmsKeyId` that is not an AWS managed alias (`alias/aws/ebs`).
  A launch template without EBS mappings, or an instance without a root device, leaves its
  volumes to the AMI's defaults and fails.
- GCP: GKE node configs (node pools, and the cluster's own `nodeConfig` when set) name a
  `bootDiskKmsKey`; instance templates, instances and disks name a `kmsKeySelfLink`.
- Azure: AKS clusters name a `diskEncryptionSetID` (it covers every node pool's OS disks);
  scale set and VM OS and data disks, and managed disks, use a disk encryption set.

EKS node groups and AKS agent pools take their disks from the launch template and the cluster,
which are judged instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail, not_applicable
from mlp_policies.values import as_bool

AWS_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AWS_INSTANCE = "aws:ec2/instance:Instance"
AWS_VOLUME = "aws:ebs/volume:Volume"
GKE = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
GCP_TEMPLATES = frozenset(
    {"gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"}
)
GCP_INSTANCE = "gcp:compute/instance:Instance"
GCP_DISK = "gcp:compute/disk:Disk"
AKS = "azure-native:containerservice:ManagedCluster"
AZURE_VMSS = "azure-native:compute:VirtualMachineScaleSet"
AZURE_VM = "azure-native:compute:VirtualMachine"
AZURE_DISK = "azure-native:compute:Disk"
AZURE_CMK_TYPES = ("EncryptionAtRestWithCustomerKey", "EncryptionAtRestWithPlatformAndCustomerKeys")


def _ebs(where: str, device: Mapping[str, Any]) -> list[str]:
    key_id = str(device.get("kmsKeyId") or "")
    if as_bool(device.get("encrypted")) is not True:
        return [f"{where} is not encrypted"]
    if not key_id or key_id.startswith("alias/aws/") or ":alias/aws/" in key_id:
        return [f"{where} is encrypted with the AWS managed key, not a customer key (kmsKeyId)"]
    return []


def _aws(r: Resource) -> list[str]:
    if r.type == AWS_VOLUME:
        return _ebs(str(r), {"encrypted": r.get("encrypted"), "kmsKeyId": r.get("kmsKeyId")})
    if r.type == AWS_LAUNCH_TEMPLATE:
        mappings = [m for m in r.get("blockDeviceMappings", default=[]) if isinstance(m, Mapping)]
        ebs = [(m.get("deviceName") or f"mapping {i}", m["ebs"]) for i, m in enumerate(mappings) if m.get("ebs")]
        if not ebs:
            return [f"{r} maps no EBS volumes, so its disks take the AMI's defaults, not the customer key"]
        return [m for name, device in ebs for m in _ebs(f"{r} {name}", device)]
    root = r.get("rootBlockDevice")
    if not isinstance(root, Mapping):
        return [f"{r} sets no rootBlockDevice, so its root disk takes the AMI's defaults, not the customer key"]
    messages = _ebs(f"{r} root volume", root)
    devices = [d for d in r.get("ebsBlockDevices", default=[]) if isinstance(d, Mapping)]
    for i, device in enumerate(devices):
        messages += _ebs(f"{r} {device.get('deviceName') or f'EBS device {i}'}", device)
    return messages


def _gke_node(where: str, node: Mapping[str, Any]) -> list[str]:
    return [] if node.get("bootDiskKmsKey") else [f"{where}: boot disks use Google-managed keys (no bootDiskKmsKey)"]


def _gcp_disk(where: str, key: Any) -> list[str]:
    link = key.get("kmsKeySelfLink") if isinstance(key, Mapping) else key
    return [] if link else [f"{where} uses Google-managed keys (no kmsKeySelfLink)"]


def _gcp(r: Resource) -> list[str] | None:
    if r.type == GKE_NODE_POOL:
        return _gke_node(f"node pool {r.name}", r.get("nodeConfig", default={}))
    if r.type == GKE:
        node = r.get("nodeConfig")
        return _gke_node(f"cluster {r.name} default node pool", node) if isinstance(node, Mapping) and node else None
    if r.type in GCP_TEMPLATES:
        disks = [d for d in r.get("disks", default=[]) if isinstance(d, Mapping)]
        return [m for i, d in enumerate(disks) for m in _gcp_disk(f"{r} disk {i}", d.get("diskEncryptionKey"))]
    if r.type == GCP_INSTANCE:
        messages = _gcp_disk(f"{r} boot disk", r.get("bootDisk", default={}))
        for i, d in enumerate(r.get("attachedDisks", default=[])):
            messages += _gcp_disk(f"{r} attached disk {i}", d)
        return messages
    return _gcp_disk(f"{r}", r.get("diskEncryptionKey"))


def _azure_managed(where: str, disk: Mapping[str, Any]) -> list[str]:
    des = ((disk.get("managedDisk") or {}).get("diskEncryptionSet") or {}).get("id")
    return [] if des else [f"{where} uses platform-managed keys (no managedDisk.diskEncryptionSet)"]


def _azure(r: Resource) -> list[str]:
    if r.type == AKS:
        if r.get("diskEncryptionSetID"):
            return []
        return [f"cluster {r.name}: node OS disks use platform-managed keys (no diskEncryptionSetID)"]
    if r.type == AZURE_DISK:
        encryption = r.get("encryption", default={})
        if encryption.get("diskEncryptionSetId") and encryption.get("type", AZURE_CMK_TYPES[0]) in AZURE_CMK_TYPES:
            return []
        return [f"{r} uses platform-managed keys (no encryption.diskEncryptionSetId)"]
    prefix = ("virtualMachineProfile", "storageProfile") if r.type == AZURE_VMSS else ("storageProfile",)
    messages = _azure_managed(f"{r} OS disk", r.get(*prefix, "osDisk", default={}))
    disks = [d for d in r.get(*prefix, "dataDisks", default=[]) if isinstance(d, Mapping)]
    for i, disk in enumerate(disks):
        messages += _azure_managed(f"{r} data disk {disk.get('lun', i)}", disk)
    return messages


def check(resource: Resource, config: Config) -> Outcome:
    if resource.cloud == "aws":
        messages: list[str] | None = _aws(resource)
    elif resource.cloud == "gcp":
        messages = _gcp(resource)
    else:
        messages = _azure(resource)
    if messages is None:
        return not_applicable(f"{resource} sets no node config of its own (its node pools are judged)")
    return fail(*messages) if messages else PASS


RULE = ResourceRule(
    id="MLP-020",
    name="node-disks-encrypted-with-customer-key",
    description="Node and VM disks are encrypted with a customer-managed key: EBS with a KMS key, GKE and GCE "
    "disks with Cloud KMS, AKS and scale set disks through a disk encryption set.",
    severity="high",
    resource_types=frozenset(
        {AWS_LAUNCH_TEMPLATE, AWS_INSTANCE, AWS_VOLUME, GKE, GKE_NODE_POOL, GCP_INSTANCE, GCP_DISK, AKS, AZURE_VMSS}
        | {AZURE_VM, AZURE_DISK}
        | GCP_TEMPLATES
    ),
    remediation=(
        "Create node pools and VM groups with the components, which encrypt every disk with the platform key. "
        "Hand-written resources need encrypted EBS mappings with kmsKeyId (AWS), bootDiskKmsKey or "
        "diskEncryptionKey.kmsKeySelfLink (GCP), or a disk encryption set (Azure)."
    ),
    equivalents=("CKV_AWS_189", "CKV_AZURE_117"),
    check=check,
)
