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
    aws_asg,
    azure_account,
    changed,
    gcp_instance_template,
    gcp_mig,
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
P_BATCH = "urn:pulumi:dev::ml-platform::mlplat:aws:AutoscalingGroup::batch-cpu"
AKS_ID = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.ContainerService/managedClusters/ml-platform-azure-dev"
BATCH_SG_ID = "sg-8c66b1bf7a992e377"
BATCH_SA = f"mlp-gcp-dev-vm-batch-cpu@{GCP_PROJECT}.iam.gserviceaccount.com"
GCP_NETWORK = f"projects/{GCP_PROJECT}/global/networks/network-vpc-0eb9990"
BATCH_NSG_ID = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/networkSecurityGroups/batch-cpu-nsg-0a74d6c"
NODE_NSG_ID = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/networkSecurityGroups/network-nsg-dbe287d"


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
            "version": "1.36",
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
                    "securityGroups": [BATCH_SG_ID],
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


def sg_egress(protocol: str, from_port: float, to_port: float, *cidrs: str, description: str = "") -> dict[str, Any]:
    """One inline egress rule of a security group, as the outputs carry it."""
    rule: dict[str, Any] = {"protocol": protocol, "fromPort": from_port, "toPort": to_port, "cidrBlocks": list(cidrs)}
    return {**rule, "description": description} if description else rule


WEB_EGRESS = [
    sg_egress("tcp", 443.0, 443.0, "0.0.0.0/0", description="HTTPS: AWS APIs, S3, registries, package mirrors"),
    sg_egress("tcp", 80.0, 80.0, "0.0.0.0/0", description="HTTP: package mirrors (their packages are signed)"),
    sg_egress("-1", 0.0, 0.0, "10.0.0.0/16", description="anything inside the VPC"),
]


def aws_batch_security_group(egress: Any = None) -> Resource:
    """aws-dev's CPU batch group's security group with `egress: web` (outputs: the ARN carries the id)."""
    return res(
        "aws:ec2/securityGroup:SecurityGroup",
        "batch-cpu-sg",
        {
            "vpcId": "vpc-266d392100950e1a2",
            "description": "batch-cpu: no inbound; outbound through NAT",
            "egress": WEB_EGRESS if egress is None else egress,
            "arn": f"arn:aws:ec2:eu-west-1:123456789012:security-group/{BATCH_SG_ID}",
            "tags": TAGS,
        },
        parent=P_BATCH,
    )


def aws_batch_group(group: Resource | None = None, template: Resource | None = None) -> list[Resource]:
    """The CPU batch group as the component joins it: security group <- launch template <- ASG."""
    group = group or aws_batch_security_group()
    template = linked(template or aws_batch_launch_template(), networkInterfaces=group)
    return [group, template, linked(aws_asg(), mixedInstancesPolicy=template)]


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


def gcp_batch_template() -> Resource:
    """The CPU batch group's instance template, running as the group's own service account."""
    return changed(
        gcp_instance_template(),
        {"serviceAccount": {"email": BATCH_SA, "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}},
    )


def gcp_egress_firewall(
    role: str, priority: float, ranges: list[str], *, allows: list[Any] | None = None, denies: list[Any] | None = None
) -> Resource:
    """One of the batch group's egress firewall rules (outputs), targeting its service account."""
    props: dict[str, Any] = {
        "name": f"mlp-gcp-dev-batch-cpu-{role}",
        "network": GCP_NETWORK,
        "project": GCP_PROJECT,
        "direction": "EGRESS",
        "priority": priority,
        "destinationRanges": ranges,
        "targetServiceAccounts": [BATCH_SA],
    }
    props.update({"allows": allows} if allows is not None else {"denies": denies or [{"protocol": "all"}]})
    return res("gcp:compute/firewall:Firewall", f"batch-cpu-{role}", props)


def gcp_batch_group(template: Resource | None = None) -> list[Resource]:
    """The template, its managed instance group and the `egress: web` firewall rules."""
    template = template or gcp_batch_template()
    return [
        template,
        gcp_mig(template),
        gcp_egress_firewall("egress-web", 1000.0, ["0.0.0.0/0"], allows=[{"protocol": "tcp", "ports": ["80", "443"]}]),
        gcp_egress_firewall(
            "egress-internal", 1000.0, ["10.0.0.0/18", "10.0.128.0/17", "10.0.64.0/19"], allows=[{"protocol": "all"}]
        ),
        gcp_egress_firewall("egress-deny", 65000.0, ["0.0.0.0/0"]),
    ]


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


def nsg_rule(
    name: str, priority: float, access: str, protocol: str, destination: str, ports: str | list[str] = "*"
) -> dict[str, Any]:
    """One outbound rule of a network security group, as the outputs carry it."""
    rule: dict[str, Any] = {
        "name": name,
        "priority": priority,
        "direction": "Outbound",
        "access": access,
        "protocol": protocol,
        "sourceAddressPrefix": "*",
        "sourcePortRange": "*",
        "destinationAddressPrefix": destination,
    }
    rule.update({"destinationPortRange": ports} if isinstance(ports, str) else {"destinationPortRanges": ports})
    return rule


WEB_NSG_RULES = [
    nsg_rule("allow-web-out", 100.0, "Allow", "Tcp", "*", ["80", "443"]),
    nsg_rule("allow-vnet-out", 110.0, "Allow", "*", "VirtualNetwork"),
    nsg_rule("deny-all-out", 4096.0, "Deny", "*", "*"),
]


def azure_nsg(name: str, nsg_id: str, rules: list[dict[str, Any]]) -> Resource:
    return res(
        "azure-native:network:NetworkSecurityGroup",
        name,
        {
            "resourceGroupName": RG,
            "location": "westeurope",
            "securityRules": rules,
            "id": nsg_id,
            "name": nsg_id.rsplit("/", 1)[-1],
            "tags": AZURE_TAGS,
        },
    )


def azure_batch_nsg(rules: list[dict[str, Any]] | None = None) -> Resource:
    """The CPU batch group's NIC security group with `egress: web` (outputs)."""
    return azure_nsg("batch-cpu-nsg", BATCH_NSG_ID, WEB_NSG_RULES if rules is None else rules)


def azure_node_subnet(nsg_id: str = NODE_NSG_ID) -> Resource:
    """The nodes subnet (outputs), with the network's own security group."""
    return res(
        "azure-native:network:Subnet",
        "network-nodes",
        {
            "resourceGroupName": RG,
            "virtualNetworkName": "vnet",
            "addressPrefix": "10.0.0.0/17",
            "networkSecurityGroup": {"id": nsg_id},
            "id": NODE_SUBNET,
            "name": "nodes",
        },
    )


def azure_batch_vmss_with_nsg(nsg: Resource | None = None) -> Resource:
    """The CPU batch scale set with its NIC security group, as `egress: web` ships it."""
    vmss = changed(
        azure_batch_vmss(),
        {
            "virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].networkSecurityGroup": {
                "id": (nsg or azure_batch_nsg()).props["id"]
            }
        },
    )
    return linked(vmss, virtualMachineProfile=nsg) if nsg is not None else vmss
