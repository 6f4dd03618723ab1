"""MLP-009: block volumes use gp3 (never gp2 or magnetic) and provision no IOPS above a cap.

gp3 is cheaper than gp2 and includes 3,000 IOPS; provisioned IOPS above that (gp3, io1/io2,
GCP pd-extreme/Hyperdisk, Azure Premium SSD v2/Ultra) are billed per IOPS-month. AWS volume
types apply to launch templates, EBS volumes and instances; an unset type falls back to the
AMI's or the API's default, historically gp2, so it must be set. The IOPS cap applies on all
three clouds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail, not_applicable
from mlp_policies.values import as_number, fmt

AWS_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AWS_VOLUME = "aws:ebs/volume:Volume"
AWS_INSTANCE = "aws:ec2/instance:Instance"
GCP_DISK = "gcp:compute/disk:Disk"
GCP_TEMPLATES = (
    "gcp:compute/instanceTemplate:InstanceTemplate",
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
)
GCP_NODE_POOL = "gcp:container/nodePool:NodePool"
AZURE_DISK = "azure-native:compute:Disk"
AZURE_VMSS = "azure-native:compute:VirtualMachineScaleSet"


def _volumes(r: Resource) -> list[tuple[str, str | None, Any]]:
    """(where, AWS volume type or None for other clouds, provisioned IOPS) per volume."""
    if r.type == AWS_LAUNCH_TEMPLATE:
        return [
            (f"{r} {m.get('deviceName') or f'mapping {i}'}", m["ebs"].get("volumeType") or "", m["ebs"].get("iops"))
            for i, m in enumerate(r.get("blockDeviceMappings", default=[]))
            if isinstance(m, Mapping) and isinstance(m.get("ebs"), Mapping)
        ]
    if r.type == AWS_VOLUME:
        return [(str(r), r.get("type", default=""), r.get("iops"))]
    if r.type == AWS_INSTANCE:
        devices = [("root volume", r.get("rootBlockDevice", default={}))]
        devices += [(str(d.get("deviceName") or "EBS volume"), d) for d in r.get("ebsBlockDevices", default=[])]
        return [
            (f"{r} {name}", d.get("volumeType") or "", d.get("iops")) for name, d in devices if isinstance(d, Mapping)
        ]
    if r.type == GCP_DISK:
        return [(str(r), None, r.get("provisionedIops"))]
    if r.type in GCP_TEMPLATES:
        return [(f"{r} disk {i}", None, d.get("provisionedIops")) for i, d in enumerate(r.get("disks", default=[]))]
    if r.type == GCP_NODE_POOL:
        return [(f"{r} boot disk", None, r.get("nodeConfig", "bootDisk", "provisionedIops"))]
    if r.type == AZURE_DISK:
        return [(str(r), None, r.get("diskIOPSReadWrite"))]
    if r.type == AZURE_VMSS:
        disks = r.get("virtualMachineProfile", "storageProfile", "dataDisks", default=[])
        return [(f"{r} data disk {d.get('lun', i)}", None, d.get("diskIOPSReadWrite")) for i, d in enumerate(disks)]
    return []


def check(resource: Resource, config: Config) -> Outcome:
    volumes = _volumes(resource)
    if not volumes:
        return not_applicable(f"{resource} defines no block volumes")
    forbidden = set(config["forbiddenVolumeTypes"])
    cap = float(config["maxProvisionedIops"])
    messages = []
    for where, volume_type, iops in volumes:
        if volume_type == "":
            messages.append(f"{where} sets no volume type, so the AMI's or API's default (often gp2) applies; use gp3")
        elif volume_type in forbidden:
            messages.append(f"{where} is {volume_type}; use gp3")
        provisioned = as_number(iops)
        if provisioned is not None and provisioned > cap:
            messages.append(f"{where} provisions {fmt(provisioned)} IOPS, above maxProvisionedIops {fmt(cap)}")
    return fail(*messages) if messages else PASS


RULE = ResourceRule(
    id="MLP-009",
    name="volumes-gp3-with-capped-iops",
    description="Block volumes are gp3 (not gp2 or magnetic) and provision no IOPS above the configured cap.",
    severity="low",
    enforcement="advisory",
    resource_types=frozenset(
        {AWS_LAUNCH_TEMPLATE, AWS_VOLUME, AWS_INSTANCE, GCP_DISK, *GCP_TEMPLATES, GCP_NODE_POOL, AZURE_DISK, AZURE_VMSS}
    ),
    remediation=(
        "Set the volume type to gp3 (the components' launch templates do) and drop provisioned IOPS to the cap, or "
        "raise maxProvisionedIops for this environment in policies/config/<env>.json."
    ),
    config={
        "forbiddenVolumeTypes": {
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": True,
            "default": ["gp2", "standard"],
            "description": "AWS EBS volume types not allowed (gp2; standard is previous-generation magnetic).",
        },
        "maxProvisionedIops": {
            "type": "integer",
            "minimum": 0,
            "default": 3000,
            "description": "Most IOPS a volume may provision (3000 is what gp3 includes at no charge).",
        },
    },
    check=check,
)
