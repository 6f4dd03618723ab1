"""Security-relevant resource properties as the program produces them, for rule fixtures.

Copied from `mlbp plan <stack> --format json` (inputs) and the synthesized outputs of the
shipped aws-prod, gcp-prod and azure-prod stacks, trimmed to what the security rules read.
Shared shapes (buckets, pools, templates) come from `tests/policies/shapes.py`; builders
return fresh copies, `changed` rewrites them.
"""

from __future__ import annotations

import json
from typing import Any

from mlp_policies.resources import Resource

from tests.policies.shapes import (
    AZURE_TAGS,
    GCP_KEY,
    GCP_PROJECT,
    KEY_ARN,
    LABELS,
    RG,
    SUB,
    TAGS,
    azure_account,
    changed,
    linked,
    res,
)

SUBNET_IDS = ("subnet-cc36df88906856a3b", "subnet-541d9260b326b632a")
KEY_POLICY_ADMIN = {
    "Sid": "AccountAdministration",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "kms:*",
    "Resource": "*",
}
VAULT = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/platform-vault-b21acb9"
VAULT_KEY = "https://platform-vault-b21acb9.vault.azure.net/keys/platform-key-91cb6a2/66b818f5f3aafeb6ed06c239c4939edc"
DES = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/diskEncryptionSets/platform-des-9b236c3"
NODE_SUBNET = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"
P_NETWORK = "urn:pulumi:dev::ml-platform::mlplat:aws:Network::network"
AKS_ID = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.ContainerService/managedClusters/ml-platform-azure-dev"


def doc(*statements: dict[str, Any]) -> str:
    """A policy document as the components serialize it (policy_docs.py)."""
    return json.dumps({"Statement": list(statements), "Version": "2012-10-17"}, sort_keys=True)


# --- AWS --------------------------------------------------------------------------------------


def aws_encryption(bucket: Resource, *, algorithm: str = "aws:kms", key: str | None = KEY_ARN) -> Resource:
    default: dict[str, Any] = {"sseAlgorithm": algorithm}
    if key is not None:
        default["kmsMasterKeyId"] = key
    return linked(
        res(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            f"{bucket.name.removesuffix('-bucket')}-encryption",
            {
                "rules": [{"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": algorithm != "AES256"}],
                "bucket": bucket.props["bucket"],
            },
            parent=bucket.parent,
        ),
        bucket=bucket,
    )


def aws_public_access_block(bucket: Resource) -> Resource:
    return linked(
        res(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            f"{bucket.name.removesuffix('-bucket')}-public-access",
            {
                "restrictPublicBuckets": True,
                "ignorePublicAcls": True,
                "blockPublicAcls": True,
                "bucket": bucket.props["bucket"],
                "blockPublicPolicy": True,
            },
            parent=bucket.parent,
        ),
        bucket=bucket,
    )


def aws_bucket_policy(bucket: Resource) -> Resource:
    arn = bucket.props["arn"]
    return linked(
        res(
            "aws:s3/bucketPolicy:BucketPolicy",
            f"{bucket.name.removesuffix('-bucket')}-policy",
            {
                "policy": doc(
                    {
                        "Action": "s3:*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        "Effect": "Deny",
                        "Principal": "*",
                        "Resource": [arn, f"{arn}/*"],
                        "Sid": "DenyInsecureTransport",
                    },
                    {
                        "Action": "s3:*",
                        "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
                        "Effect": "Deny",
                        "Principal": "*",
                        "Resource": [arn, f"{arn}/*"],
                        "Sid": "DenyOutdatedTls",
                    },
                ),
                "bucket": bucket.props["bucket"],
            },
            parent=bucket.parent,
        ),
        bucket=bucket,
    )


def aws_bucket_logging(bucket: Resource, target: Resource) -> Resource:
    name = bucket.name.removesuffix("-bucket")
    return linked(
        res(
            "aws:s3/bucketLogging:BucketLogging",
            f"{name}-access-logs",
            {"targetBucket": target.props["bucket"], "targetPrefix": f"{name}/", "bucket": bucket.props["bucket"]},
            parent=bucket.parent,
        ),
        targetBucket=target,
        bucket=bucket,
    )


def aws_kms_key() -> Resource:
    return res(
        "aws:kms/key:Key",
        "platform-key",
        {
            "enableKeyRotation": True,
            "policy": doc(KEY_POLICY_ADMIN),
            "description": "ML platform data key",
            "deletionWindowInDays": 30.0,
            "rotationPeriodInDays": 365.0,
            "tags": TAGS,
        },
    )


def eks_cluster() -> Resource:
    """aws-prod's cluster: private endpoint, audit logs, secrets encryption (inputs)."""
    return res(
        "aws:eks/cluster:Cluster",
        "cluster-eks",
        {
            "version": "1.33",
            "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
            "vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True, "subnetIds": list(SUBNET_IDS)},
            "roleArn": "arn:aws:iam::123456789012:role/cluster-role-dc1622d",
            "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KEY_ARN}},
            "name": "ml-platform-aws-prod",
            "tags": TAGS,
        },
    )


def aws_batch_launch_template() -> Resource:
    """The CPU batch group's template: an explicit interface without a public address."""
    return res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "batch-cpu-lt",
        {
            "networkInterfaces": [
                {
                    "securityGroups": ["sg-8c66b1bf7a992e377"],
                    "associatePublicIpAddress": "false",
                    "deleteOnTermination": "true",
                }
            ],
            "iamInstanceProfile": {"arn": "arn:aws:iam::123456789012:instance-profile/batch-cpu-profile-28ac916"},
            "metadataOptions": {
                "httpEndpoint": "enabled",
                "httpPutResponseHopLimit": 2.0,
                "instanceMetadataTags": "disabled",
                "httpTokens": "required",
            },
            "description": "group batch-cpu",
            "updateDefaultVersion": True,
            "monitoring": {"enabled": True},
            "blockDeviceMappings": [
                {
                    "ebs": {
                        "volumeType": "gp3",
                        "kmsKeyId": KEY_ARN,
                        "volumeSize": 100.0,
                        "encrypted": "true",
                        "deleteOnTermination": "true",
                    },
                    "deviceName": "/dev/xvda",
                }
            ],
            "imageId": "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
            "tags": TAGS,
        },
    )


def aws_subnet(name: str, subnet_id: str, *, public: bool = False) -> Resource:
    """Outputs (the ARN carries the subnet id), as AnalyzeStack sees them."""
    return res(
        "aws:ec2/subnet:Subnet",
        name,
        {
            "vpcId": "vpc-266d392100950e1a2",
            "mapPublicIpOnLaunch": public,
            "cidrBlock": "10.0.0.0/18",
            "availabilityZone": "eu-west-1a",
            "arn": f"arn:aws:ec2:eu-west-1:123456789012:subnet/{subnet_id}",
            "tags": {**TAGS, "subnet-tier": "public" if public else "private"},
        },
        parent=P_NETWORK,
    )


def aws_role_policy(name: str, *statements: dict[str, Any]) -> Resource:
    return res("aws:iam/rolePolicy:RolePolicy", name, {"policy": doc(*statements), "role": "trainer-role-128a05b"})


def trainer_statements() -> list[dict[str, Any]]:
    """trainer-checkpoints-readwrite from aws-prod: scoped list, object and key statements."""
    bucket = "arn:aws:s3:::checkpoints-bucket-e59e41d"
    return [
        {
            "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
            "Effect": "Allow",
            "Resource": [bucket],
            "Sid": "List",
        },
        {
            "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            "Effect": "Allow",
            "Resource": [f"{bucket}/*"],
            "Sid": "Objects",
        },
        {
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": [KEY_ARN],
            "Sid": "Key",
        },
    ]


# --- GCP --------------------------------------------------------------------------------------


def gcp_crypto_key() -> Resource:
    return res(
        "gcp:kms/cryptoKey:CryptoKey",
        "platform-key",
        {
            "versionTemplate": {"algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "protectionLevel": "SOFTWARE"},
            "rotationPeriod": "7776000s",
            "purpose": "ENCRYPT_DECRYPT",
            "keyRing": f"projects/{GCP_PROJECT}/locations/europe-west4/keyRings/platform-ring-ad4f4fd",
            "destroyScheduledDuration": "2592000s",
            "labels": LABELS,
        },
    )


def gke_cluster() -> Resource:
    """gcp-prod's cluster (inputs): private nodes and endpoint, Workload Identity, CMEK."""
    return res(
        "gcp:container/cluster:Cluster",
        "cluster-gke",
        {
            "name": "ml-platform-gcp-prod",
            "location": "europe-west4",
            "nodeConfig": {
                "workloadMetadataConfig": {"mode": "GKE_METADATA"},
                "machineType": "e2-standard-4",
                "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True},
                "bootDiskKmsKey": GCP_KEY,
            },
            "enableLegacyAbac": False,
            "privateClusterConfig": {
                "enablePrivateNodes": True,
                "enablePrivateEndpoint": True,
                "masterIpv4CidrBlock": "172.16.0.0/28",
            },
            "workloadIdentityConfig": {"workloadPool": f"{GCP_PROJECT}.svc.id.goog"},
            "removeDefaultNodePool": True,
            "initialNodeCount": 1.0,
            "loggingConfig": {"enableComponents": ["SYSTEM_COMPONENTS", "WORKLOADS"]},
            "databaseEncryption": {"state": "ENCRYPTED", "keyName": GCP_KEY},
            "masterAuthorizedNetworksConfig": {
                "cidrBlocks": [{"displayName": "nodes subnet", "cidrBlock": "10.0.0.0/18"}],
                "gcpPublicCidrsAccessEnabled": False,
            },
            "enableShieldedNodes": True,
            "resourceLabels": LABELS,
        },
    )


def gcp_iam_member(name: str, role: str, *, member: str = "") -> Resource:
    return res(
        "gcp:projects/iAMMember:IAMMember",
        name,
        {
            "member": member or f"serviceAccount:mlp-gcp-prod-nodes@{GCP_PROJECT}.iam.gserviceaccount.com",
            "project": GCP_PROJECT,
            "role": role,
        },
    )


# --- Azure ------------------------------------------------------------------------------------


def azure_cmk_account(name: str = "datasets") -> Resource:
    """A tiered bucket's storage account, encrypted with the platform key."""
    return changed(
        azure_account(name),
        {
            "encryption": {
                "services": {"blob": {"enabled": True, "keyType": "Account"}},
                "requireInfrastructureEncryption": True,
                "keySource": "Microsoft.Keyvault",
                "keyVaultProperties": {
                    "keyVaultUri": "https://platform-vault-b21acb9.vault.azure.net/",
                    "keyName": "platform-key-91cb6a2",
                },
            }
        },
    )


def azure_key() -> Resource:
    return res(
        "azure-native:keyvault:Key",
        "platform-key",
        {
            "vaultName": "platform-vault-b21acb9",
            "resourceGroupName": RG,
            "properties": {
                "kty": "RSA",
                "keySize": 3072.0,
                "attributes": {"exportable": False, "enabled": True},
                "keyOps": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
                "rotationPolicy": {
                    "lifetimeActions": [{"trigger": {"timeAfterCreate": "P365D"}, "action": {"type": "rotate"}}],
                    "attributes": {"expiryTime": "P395D"},
                },
            },
        },
    )


def aks_cluster() -> Resource:
    """azure-dev's cluster (outputs, with its id): private, Entra RBAC, Cilium, DES."""
    return res(
        "azure-native:containerservice:ManagedCluster",
        "cluster-aks",
        {
            "resourceGroupName": RG,
            "location": "westeurope",
            "securityProfile": {"workloadIdentity": {"enabled": True}},
            "aadProfile": {"managed": True, "enableAzureRBAC": True},
            "enableRBAC": True,
            "disableLocalAccounts": True,
            "diskEncryptionSetID": DES,
            "dnsPrefix": "ml-platform-azure-dev",
            "apiServerAccessProfile": {
                "privateDNSZone": "system",
                "enablePrivateClusterPublicFQDN": False,
                "enablePrivateCluster": True,
            },
            "agentPoolProfiles": [
                {
                    "name": "system",
                    "mode": "System",
                    "vmSize": "Standard_D4s_v5",
                    "vnetSubnetID": NODE_SUBNET,
                    "enableAutoScaling": True,
                    "count": 2.0,
                    "minCount": 2.0,
                    "maxCount": 3.0,
                    "enableNodePublicIP": False,
                    "nodeLabels": {"mlplat/pool": "system"},
                }
            ],
            "networkProfile": {
                "networkPlugin": "azure",
                "networkPolicy": "cilium",
                "networkDataplane": "cilium",
                "networkPluginMode": "overlay",
                "outboundType": "userAssignedNATGateway",
            },
            "id": AKS_ID,
            "name": "ml-platform-azure-dev",
            "tags": AZURE_TAGS,
        },
        parent="urn:pulumi:dev::ml-platform::mlplat:azure:Cluster::cluster",
    )


def aks_diagnostics(cluster: Resource, *categories: str) -> Resource:
    return linked(
        res(
            "azure-native:monitor:DiagnosticSetting",
            "cluster-diagnostics",
            {
                "workspaceId": f"{SUB}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/logs",
                "logAnalyticsDestinationType": "Dedicated",
                "resourceUri": cluster.props["id"],
                "logs": [
                    {"enabled": True, "category": c}
                    for c in categories
                    or ("kube-apiserver", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "guard")
                ],
            },
            parent=cluster.parent,
        ),
        resourceUri=cluster,
    )


def azure_batch_vmss() -> Resource:
    """azure-dev's CPU batch scale set: private NIC, OS disk through the disk encryption set."""
    return res(
        "azure-native:compute:VirtualMachineScaleSet",
        "batch-cpu-vmss",
        {
            "sku": {"tier": "Standard", "capacity": 0.0, "name": "Standard_D8s_v5"},
            "orchestrationMode": "Flexible",
            "resourceGroupName": RG,
            "virtualMachineProfile": {
                "priority": "Spot",
                "networkProfile": {
                    "networkApiVersion": "2020-11-01",
                    "networkInterfaceConfigurations": [
                        {
                            "primary": True,
                            "ipConfigurations": [
                                {"subnet": {"id": NODE_SUBNET}, "primary": True, "name": "batch-cpu-ip"}
                            ],
                            "name": "batch-cpu-nic",
                        }
                    ],
                },
                "storageProfile": {
                    "osDisk": {
                        "createOption": "FromImage",
                        "managedDisk": {"storageAccountType": "StandardSSD_LRS", "diskEncryptionSet": {"id": DES}},
                        "diskSizeGB": 100.0,
                    },
                    "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
                },
            },
            "location": "westeurope",
            "tags": AZURE_TAGS,
        },
    )


def azure_role_assignment(name: str, guid: str, scope: str = f"{SUB}/resourceGroups/{RG}") -> Resource:
    return res(
        "azure-native:authorization:RoleAssignment",
        name,
        {
            "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
            "scope": scope,
            "principalType": "ServicePrincipal",
            "principalId": "914eb3ad-7748-7129-6853-63ff2e31feb7",
        },
    )
