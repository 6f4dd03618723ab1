"""The Amazon EBS CSI driver as an EKS add-on, so PersistentVolumeClaims get EBS volumes.

EKS installs no storage driver: without this add-on no claim ever binds. Its controller
(`kube-system/ebs-csi-controller-sa`) gets its own role through the add-on's Pod Identity
association: the AWS managed `AmazonEBSCSIDriverPolicy` plus use of the platform key for
encrypted volumes (the statement the EKS user guide gives for customer managed keys: grants
for AWS resources, and encrypt/decrypt/data keys). The node role gets nothing.

Without IMDS (hop limit 1, launch_template.py) the driver reads its instance and region from
the Kubernetes API (the node's providerID) instead, as its install guide documents.

The default StorageClass: the add-on can create one (`defaultStorageClass.enabled`, add-on
1.31.0 and later, EKS user guide), but that class (`ebs-csi-default-sc`) has no parameters,
so its volumes are not encrypted with the platform key. We found no documentation that the
add-on's configuration schema accepts the Helm chart's `storageClasses` list with parameters,
and a value the schema refuses fails the add-on at `pulumi up`. So the add-on's class stays off
and the cluster layer creates `default_storage_class()`: gp3, encrypted with the platform key.

The controller's region: the Helm chart takes `controller.region` (env `AWS_REGION`), but we
could not read whether the add-on's configuration schema accepts it (the schema admits only a
subset of the chart's values, kubernetes-sigs/aws-ebs-csi-driver#2068), so it is not set; the
controller finds its region from the Kubernetes API (the node's providerID) without IMDS."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws import policy_docs as docs
from components.aws.iam import WorkloadIdentity, WorkloadIdentityArgs
from components.kubernetes.cluster_layer import StorageClassSpec

EBS_CSI_ADDON = "aws-ebs-csi-driver"
EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa"  # kube-system
EBS_CSI_MANAGED_POLICY = "service-role/AmazonEBSCSIDriverPolicy"
STORAGE_CLASS_NAME = "gp3-encrypted"


def default_storage_class(key_arn: pulumi.Input[str]) -> StorageClassSpec:
    """The cluster's default StorageClass: gp3, encrypted with the platform key, bound where
    the pod lands (EBS volumes live in one zone), expandable (cluster_layer.py)."""
    return StorageClassSpec(
        name=STORAGE_CLASS_NAME,
        provisioner="ebs.csi.aws.com",
        parameters={"type": "gp3", "encrypted": "true", "kmsKeyId": key_arn},
    )


def key_policy(key_arn: str) -> str:
    """Use of the platform key for EBS volumes (EKS user guide, "Create an Amazon EBS CSI
    driver IAM role", the customer managed key statement)."""
    return docs.document(
        docs.allow(
            "GrantsForVolumes",
            ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            [key_arn],
            {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
        docs.allow(
            "EncryptVolumes",
            ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            [key_arn],
        ),
    )


@dataclass(frozen=True, kw_only=True)
class EbsCsiDriverArgs:
    cluster_name: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    # The Pod Identity agent and a node group: the controller is a Deployment, and EKS
    # reports the add-on active only once its pods run.
    depends_on: tuple[pulumi.Resource, ...]


class EbsCsiDriver(pulumi.ComponentResource):
    addon: aws.eks.Addon
    identity: WorkloadIdentity

    def __init__(self, name: str, args: EbsCsiDriverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:EbsCsiDriver", name, None, opts)
        self.identity = WorkloadIdentity(
            name,
            WorkloadIdentityArgs(namespace="kube-system", service_account=EBS_CSI_SERVICE_ACCOUNT),
            opts=pulumi.ResourceOptions(parent=self),
        )
        managed = self.identity.attach_managed(EBS_CSI_MANAGED_POLICY)
        key_use = self.identity.add_policy("key", pulumi.Output.from_input(args.key_arn).apply(key_policy))
        self.addon = aws.eks.Addon(
            f"{name}-addon",
            aws.eks.AddonArgs(
                cluster_name=args.cluster_name,
                addon_name=EBS_CSI_ADDON,
                pod_identity_associations=[
                    aws.eks.AddonPodIdentityAssociationArgs(
                        role_arn=self.identity.arn, service_account=EBS_CSI_SERVICE_ACCOUNT
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[managed, key_use, *args.depends_on]),
        )
        self.register_outputs({"addon": self.addon.addon_name, "roleArn": self.identity.arn})
