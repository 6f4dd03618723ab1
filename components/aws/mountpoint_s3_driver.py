"""Mountpoint for Amazon S3 CSI driver as an EKS add-on: a workload mounts its bucket as a
volume (static provisioning: a PersistentVolume names the bucket).

The driver gets no role of its own. Its v2 mounts with the credentials of the pod that uses
the volume when the volume says `authenticationSource: pod`, which EKS Pod Identity provides
(driver v2 README, "EKS Pod Identity support"): a workload reaches exactly the buckets its own
role grants (iam.py), and a volume that asks for the driver's credentials gets none. docs/aws.md
shows the PersistentVolume."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

MOUNTPOINT_ADDON = "aws-mountpoint-s3-csi-driver"


@dataclass(frozen=True, kw_only=True)
class MountpointS3DriverArgs:
    cluster_name: pulumi.Input[str]
    depends_on: tuple[pulumi.Resource, ...]  # a node group: the add-on is active once its pods run


class MountpointS3Driver(pulumi.ComponentResource):
    addon: aws.eks.Addon

    def __init__(self, name: str, args: MountpointS3DriverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:MountpointS3Driver", name, None, opts)
        self.addon = aws.eks.Addon(
            f"{name}-addon",
            aws.eks.AddonArgs(cluster_name=args.cluster_name, addon_name=MOUNTPOINT_ADDON),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        self.register_outputs({"addon": self.addon.addon_name})
