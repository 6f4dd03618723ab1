"""The one secure GKE node shape for every pool we create: the platform's node service
account (never the Compute Engine default), Workload Identity metadata server
(`GKE_METADATA`: pods cannot read the node's credentials), shielded VM with secure boot and
integrity monitoring, Container-Optimized OS, a pd-balanced boot disk encrypted with the
platform key, legacy metadata endpoints off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_gcp as gcp

from blueprint.model import Taint

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"  # IAM decides, not scopes
GKE_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
# GKE taints every GPU node nvidia.com/gpu=present:NoSchedule itself; a second taint with the
# same key and effect would clash, so ours carries GKE's value. Pods that request GPUs get the
# matching toleration from GKE's admission controller either way.
GKE_GPU_TAINT = ("nvidia.com/gpu", "present")
ZONES_PER_REGION = 3  # GKE's default node locations for a regional cluster


def initial_nodes_per_zone(total_min: int, zones: int | None = None) -> int:
    """A regional pool's initial count is per zone (of `zones` zones, GKE's three by default);
    enough zones' worth to reach the minimum (the autoscaler trims any excess, and never scales
    up to a minimum on its own)."""
    return -(-total_min // (zones or ZONES_PER_REGION))


def gke_taint(taint: Taint) -> gcp.container.NodePoolNodeConfigTaintArgs:
    value = GKE_GPU_TAINT[1] if taint.key == GKE_GPU_TAINT[0] else taint.value
    return gcp.container.NodePoolNodeConfigTaintArgs(key=taint.key, value=value, effect=GKE_TAINT_EFFECTS[taint.effect])


def secure_node_config(
    *,
    machine_type: str,
    service_account: pulumi.Input[str],
    key_id: pulumi.Input[str],
    disk_size_gib: int,
    labels: Mapping[str, str],
    taints: Sequence[Taint] = (),
    spot: bool = False,
    guest_accelerators: Sequence[gcp.container.NodePoolNodeConfigGuestAcceleratorArgs] | None = None,
) -> gcp.container.NodePoolNodeConfigArgs:
    return gcp.container.NodePoolNodeConfigArgs(
        machine_type=machine_type,
        image_type="COS_CONTAINERD",
        disk_type="pd-balanced",
        disk_size_gb=disk_size_gib,
        boot_disk_kms_key=key_id,
        service_account=service_account,
        oauth_scopes=[CLOUD_PLATFORM_SCOPE],
        spot=spot,
        labels=dict(labels),
        taints=[gke_taint(t) for t in taints] or None,
        guest_accelerators=list(guest_accelerators) if guest_accelerators else None,
        gvnic=gcp.container.NodePoolNodeConfigGvnicArgs(enabled=True) if guest_accelerators else None,
        workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(mode="GKE_METADATA"),
        shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
            enable_secure_boot=True, enable_integrity_monitoring=True
        ),
        metadata={"disable-legacy-endpoints": "true"},
    )
