"""Resource properties as the program produces them, for rule fixtures.

AWS shapes are copied from `mlbp plan aws-dev --format json` (inputs, or outputs where stack
policies see outputs). GCP and Azure components do not exist yet: their shapes are written by
hand from the SDK classes (wire names are the SDKs' own, e.g. Azure's `diskIOPSReadWrite`).
Builders return fresh copies; `changed` rewrites a copy by dotted paths.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import ResourceRule, StackRule

from components.common.tagging import gcp_labels

U_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
U_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
U_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
U_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"
U_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"
DELETE = object()
CONFIG_DIR = Path(__file__).resolve().parents[2] / "policies" / "config"

TAGS = {
    "managed-by": "pulumi-ml-platform",
    "cost-center": "ml-research",
    "data-classification": "internal",
    "environment": "dev",
    "ml-platform-stack": "aws-dev",
    "owner": "ml-platform@example.com",
}
LABELS = gcp_labels({**TAGS, "ml-platform-stack": "gcp-dev"})
AZURE_TAGS = {**TAGS, "ml-platform-stack": "azure-dev"}
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/12dc9a82-4759-2732-be1e-fb804114e47f"
P = "urn:pulumi:dev::ml-platform::"


def env_config(env: str, rule: ResourceRule | StackRule) -> dict[str, Any]:
    """The rule's properties from policies/config/<env>.json (a bare level means defaults)."""
    entry = json.loads((CONFIG_DIR / f"{env}.json").read_text())[rule.name]
    return {k: v for k, v in entry.items() if k != "enforcementLevel"} if isinstance(entry, dict) else {}


def changed(resource: Resource, changes: Mapping[str, Any]) -> Resource:
    """A copy with each dotted path set (`DELETE` removes it); `[i]` indexes lists."""
    props = copy.deepcopy(dict(resource.props))
    for path, value in changes.items():
        keys: list[str | int] = [
            int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")
        ]
        target: Any = props
        for key in keys[:-1]:
            target = target[key]
        if value is DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return Resource(
        type=resource.type,
        name=resource.name,
        props=props,
        urn=resource.urn,
        parent=resource.parent,
        dependencies=resource.dependencies,
        property_dependencies=resource.property_dependencies,
        protect=resource.protect,
        provider=resource.provider,
    )


def res(type_: str, name: str, props: Mapping[str, Any], *, parent: str | None = None, **kwargs: Any) -> Resource:
    return Resource(
        type=type_,
        name=name,
        props=copy.deepcopy(dict(props)),
        urn=f"{P}{type_}::{name}",
        parent=parent,
        **kwargs,
    )


def linked(resource: Resource, **targets: Resource) -> Resource:
    """The resource with property dependencies on `targets` (prop name -> resource)."""
    deps = {**resource.property_dependencies, **{prop: (t.urn,) for prop, t in targets.items()}}
    return Resource(
        type=resource.type,
        name=resource.name,
        props=resource.props,
        urn=resource.urn,
        parent=resource.parent,
        dependencies=tuple(t.urn for t in targets.values()),
        property_dependencies=deps,
        protect=resource.protect,
        provider=resource.provider,
    )


# --- running rules ----------------------------------------------------------------------------


def verdict(rule: ResourceRule, resource: Resource, config: Mapping[str, Any] | None = None) -> tuple[str, set[str]]:
    outcome = rule.evaluate(resource, config)
    return outcome.status, set(outcome.messages)


def stack_verdict(
    rule: StackRule, resources: list[Resource], config: Mapping[str, Any] | None = None
) -> tuple[set[str], set[tuple[str | None, str]], set[str | None]]:
    """(statuses seen, failures as (subject name, message), subjects judged unknown)."""
    findings = rule.evaluate(Stack(tuple(resources)), config)
    statuses = {f.outcome.status for f in findings}
    failures = {(f.subject.name if f.subject else None, m) for f in findings for m in f.outcome.messages}
    unknowns = {f.subject.name if f.subject else None for f in findings if f.outcome.status == "unknown"}
    return statuses, failures, unknowns


# --- AWS (from `mlbp plan aws-dev --format json`) --------------------------------------------


def aws_gpu_node_group(name: str = "dev-gpu-ng") -> Resource:
    return res(
        "aws:eks/nodeGroup:NodeGroup",
        name,
        {
            "taints": [{"value": "true", "key": "nvidia.com/gpu", "effect": "NO_SCHEDULE"}],
            "instanceTypes": ["g4dn.xlarge"],
            "updateConfig": {"maxUnavailable": 1.0},
            "clusterName": "ml-platform-aws-dev",
            "subnetIds": ["subnet-cc36df88906856a3b", "subnet-541d9260b326b632a"],
            "amiType": "AL2023_x86_64_NVIDIA",
            "tags": TAGS,
            "labels": {
                "mlplat/accelerator": "t4",
                "mlplat/pool": "dev-gpu",
                "mlplat/workload": "batch",
                "mlplat/capacity": "spot",
            },
            "capacityType": "SPOT",
            "launchTemplate": {"version": "1", "id": "lt-d1d2b571ad7174c45"},
            "scalingConfig": {"minSize": 0.0, "maxSize": 2.0, "desiredSize": 0.0},
            "nodeRoleArn": "arn:aws:iam::123456789012:role/nodes-role-55d7a24",
        },
    )


def aws_system_node_group() -> Resource:
    return res(
        "aws:eks/nodeGroup:NodeGroup",
        "cluster-system",
        {
            "instanceTypes": ["m6i.large"],
            "updateConfig": {"maxUnavailable": 1.0},
            "clusterName": "ml-platform-aws-dev",
            "subnetIds": ["subnet-cc36df88906856a3b", "subnet-541d9260b326b632a"],
            "amiType": "AL2023_x86_64_STANDARD",
            "tags": TAGS,
            "labels": {"mlplat/pool": "system"},
            "capacityType": "ON_DEMAND",
            "launchTemplate": {"version": "1", "id": "lt-35e5bd62e9e07fde2"},
            "scalingConfig": {"minSize": 2.0, "maxSize": 3.0, "desiredSize": 2.0},
            "nodeRoleArn": "arn:aws:iam::123456789012:role/nodes-role-55d7a24",
        },
    )


def aws_launch_template(name: str = "dev-gpu-lt") -> Resource:
    return res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        name,
        {
            "description": "GPU pool dev-gpu",
            "tags": TAGS,
            "metadataOptions": {
                "httpEndpoint": "enabled",
                "httpPutResponseHopLimit": 2.0,
                "instanceMetadataTags": "disabled",
                "httpTokens": "required",
            },
            "tagSpecifications": [
                {"tags": TAGS, "resourceType": "instance"},
                {"tags": TAGS, "resourceType": "volume"},
                {"tags": TAGS, "resourceType": "network-interface"},
            ],
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
        },
    )


def aws_asg() -> Resource:
    return res(
        "aws:autoscaling/group:Group",
        "batch-cpu-asg",
        {
            "vpcZoneIdentifiers": ["subnet-cc36df88906856a3b", "subnet-541d9260b326b632a"],
            "capacityRebalance": True,
            "mixedInstancesPolicy": {
                "instancesDistribution": {
                    "onDemandPercentageAboveBaseCapacity": 0.0,
                    "spotAllocationStrategy": "price-capacity-optimized",
                    "onDemandBaseCapacity": 0.0,
                },
                "launchTemplate": {
                    "overrides": [{"instanceType": "c6i.2xlarge"}, {"instanceType": "m6i.2xlarge"}],
                    "launchTemplateSpecification": {"version": "$Latest", "launchTemplateId": "lt-50ee2c6c234c48fb4"},
                },
            },
            "tags": [{"key": k, "value": v, "propagateAtLaunch": True} for k, v in TAGS.items()],
            "defaultInstanceWarmup": 120.0,
            "minSize": 0.0,
            "instanceRefresh": {"strategy": "Rolling", "preferences": {"minHealthyPercentage": 90.0}},
            "healthCheckType": "EC2",
            "maxSize": 4.0,
        },
    )


def aws_bucket(name: str = "datasets", *, region: str = "eu-west-1", purpose: str = "datasets") -> Resource:
    """Outputs, as AnalyzeStack sees them."""
    physical = f"{name}-bucket-55a8162"
    return res(
        "aws:s3/bucket:Bucket",
        f"{name}-bucket",
        {
            "tags": {**TAGS, "mlplat-purpose": purpose},
            "forceDestroy": False,
            "bucket": physical,
            "arn": f"arn:aws:s3:::{physical}",
            "bucketDomainName": f"{physical}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{physical}.s3.{region}.amazonaws.com",
            "region": region,
            "tagsAll": {**TAGS, "mlplat-purpose": purpose},
        },
        parent=f"{P}mlplat:aws:TieredBucket::{name}",
    )


def aws_lifecycle(bucket: Resource) -> Resource:
    name = bucket.name.removesuffix("-bucket")
    return linked(
        res(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            f"{name}-lifecycle",
            {
                "rules": [
                    {
                        "filter": {},
                        "transitions": [
                            {"storageClass": "STANDARD_IA", "days": 30.0},
                            {"storageClass": "DEEP_ARCHIVE", "days": 180.0},
                        ],
                        "noncurrentVersionExpiration": {"noncurrentDays": 30.0},
                        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7.0},
                        "id": "tiering",
                        "status": "Enabled",
                    }
                ],
                "bucket": bucket.props["bucket"],
            },
            parent=bucket.parent,
        ),
        bucket=bucket,
    )


def aws_budget() -> Resource:
    alert = {"subscriberEmailAddresses": ["ml-platform@example.com"], "thresholdType": "PERCENTAGE"}
    return res(
        "aws:budgets/budget:Budget",
        "budget-monthly",
        {
            "notifications": [
                {**alert, "notificationType": "ACTUAL", "threshold": t, "comparisonOperator": "GREATER_THAN"}
                for t in (50.0, 80.0, 100.0)
            ]
            + [{**alert, "notificationType": "FORECASTED", "threshold": 100.0, "comparisonOperator": "GREATER_THAN"}],
            "timeUnit": "MONTHLY",
            "limitUnit": "USD",
            "tags": TAGS,
            "limitAmount": "375.00",
            "budgetType": "COST",
            "costFilters": [{"values": ["user:ml-platform-stack$aws-dev"], "name": "TagKeyValue"}],
        },
    )


def aws_cluster() -> Resource:
    """Outputs, as AnalyzeStack sees them."""
    return res(
        "aws:eks/cluster:Cluster",
        "cluster-eks",
        {
            "version": "1.36",
            "tags": TAGS,
            "vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
            "roleArn": "arn:aws:iam::123456789012:role/cluster-role-2e930f1",
            "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KEY_ARN}},
            "name": "ml-platform-aws-dev",
            "arn": "arn:aws:eks:eu-west-1:123456789012:cluster/ml-platform-aws-dev",
            "endpoint": "https://DA08391C56EB27BE421CCEAAF39CCAB6.gr7.eu-west-1.eks.amazonaws.com",
            "status": "ACTIVE",
        },
    )


# --- GCP (by hand from pulumi_gcp: container.NodePool, compute.InstanceTemplate, ...) ----------

GCP_PROJECT = "ml-platform-dev"
GCP_KEY = f"projects/{GCP_PROJECT}/locations/europe-west4/keyRings/platform/cryptoKeys/data"


def gcp_gpu_node_pool(name: str = "dev-l4") -> Resource:
    return res(
        "gcp:container/nodePool:NodePool",
        name,
        {
            "name": name,
            "cluster": f"projects/{GCP_PROJECT}/locations/europe-west4/clusters/ml-platform-gcp-dev",
            "location": "europe-west4",
            "autoscaling": {"totalMinNodeCount": 0, "totalMaxNodeCount": 2, "locationPolicy": "ANY"},
            "management": {"autoRepair": True, "autoUpgrade": True},
            "nodeConfig": {
                "machineType": "g2-standard-8",
                "guestAccelerators": [
                    {"type": "nvidia-l4", "count": 1, "gpuDriverInstallationConfig": {"gpuDriverVersion": "LATEST"}}
                ],
                "spot": True,
                "diskSizeGb": 200,
                "diskType": "pd-balanced",
                "bootDiskKmsKey": GCP_KEY,
                "labels": {
                    "mlplat/accelerator": "l4",
                    "mlplat/pool": name,
                    "mlplat/workload": "inference",
                    "mlplat/capacity": "spot",
                },
                "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
                "resourceLabels": LABELS,
                "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True},
                "workloadMetadataConfig": {"mode": "GKE_METADATA"},
                "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
            },
        },
    )


def gcp_system_node_pool() -> Resource:
    return res(
        "gcp:container/nodePool:NodePool",
        "system",
        {
            "name": "system",
            "cluster": f"projects/{GCP_PROJECT}/locations/europe-west4/clusters/ml-platform-gcp-dev",
            "location": "europe-west4",
            "autoscaling": {"totalMinNodeCount": 2, "totalMaxNodeCount": 3},
            "nodeConfig": {
                "machineType": "e2-standard-4",
                "diskType": "pd-balanced",
                "labels": {"mlplat/pool": "system"},
                "resourceLabels": LABELS,
            },
        },
    )


def gcp_instance_template() -> Resource:
    """Outputs (selfLink), as AnalyzeStack sees them."""
    return res(
        "gcp:compute/instanceTemplate:InstanceTemplate",
        "batch-cpu-template",
        {
            "namePrefix": "batch-cpu-",
            "machineType": "n2-standard-8",
            "scheduling": {
                "provisioningModel": "SPOT",
                "preemptible": True,
                "automaticRestart": False,
                "onHostMaintenance": "TERMINATE",
                "instanceTerminationAction": "DELETE",
            },
            "disks": [
                {
                    "boot": True,
                    "sourceImage": "projects/debian-cloud/global/images/family/debian-12",
                    "diskSizeGb": 100,
                    "diskType": "pd-balanced",
                    "diskEncryptionKey": {"kmsKeySelfLink": GCP_KEY},
                }
            ],
            "networkInterfaces": [{"subnetwork": f"projects/{GCP_PROJECT}/regions/europe-west4/subnetworks/private"}],
            "labels": LABELS,
            "selfLink": f"https://www.googleapis.com/compute/v1/projects/{GCP_PROJECT}/global/instanceTemplates/batch-cpu-1",
        },
    )


def gcp_mig(template: Resource) -> Resource:
    return linked(
        res(
            "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
            "batch-cpu-mig",
            {
                "baseInstanceName": "batch-cpu",
                "region": "europe-west4",
                "versions": [{"name": "primary", "instanceTemplate": template.props["selfLink"]}],
                "distributionPolicyZones": ["europe-west4-a", "europe-west4-b"],
                "selfLink": f"https://www.googleapis.com/compute/v1/projects/{GCP_PROJECT}/regions/europe-west4/"
                "instanceGroupManagers/batch-cpu",
            },
        ),
        versions=template,
    )


def gcp_autoscaler(mig: Resource) -> Resource:
    return linked(
        res(
            "gcp:compute/regionAutoscaler:RegionAutoscaler",
            "batch-cpu-autoscaler",
            {
                "region": "europe-west4",
                "target": mig.props["selfLink"],
                "autoscalingPolicy": {
                    "minReplicas": 0,
                    "maxReplicas": 4,
                    "cooldownPeriod": 120,
                    "cpuUtilization": {"target": 0.7},
                },
            },
        ),
        target=mig,
    )


def gcp_bucket(name: str = "datasets", *, location: str = "EUROPE-WEST4") -> Resource:
    return res(
        "gcp:storage/bucket:Bucket",
        f"{name}-bucket",
        {
            "name": f"ml-platform-gcp-dev-{name}",
            "location": location,
            "storageClass": "STANDARD",
            "uniformBucketLevelAccess": True,
            "publicAccessPrevention": "enforced",
            "versioning": {"enabled": True},
            "encryption": {"defaultKmsKeyName": GCP_KEY},
            "lifecycleRules": [
                {
                    "action": {"type": "SetStorageClass", "storageClass": "NEARLINE"},
                    "condition": {"age": 30, "matchesStorageClasses": ["STANDARD"]},
                },
                {"action": {"type": "Delete"}, "condition": {"daysSinceNoncurrentTime": 30, "withState": "ARCHIVED"}},
            ],
            "labels": {**LABELS, "mlplat-purpose": name},
            "forceDestroy": False,
        },
    )


def gcp_budget() -> Resource:
    return res(
        "gcp:billing/budget:Budget",
        "budget",
        {
            "billingAccount": "012345-6789AB-CDEF01",
            "displayName": "ml-platform gcp-dev",
            "amount": {"specifiedAmount": {"currencyCode": "USD", "units": "375"}},
            "budgetFilter": {"projects": ["projects/123456789012"], "labels": {"ml-platform-stack": "gcp-dev"}},
            "thresholdRules": [
                {"thresholdPercent": 0.5},
                {"thresholdPercent": 0.8},
                {"thresholdPercent": 1.0},
                {"thresholdPercent": 1.0, "spendBasis": "FORECASTED_SPEND"},
            ],
            "allUpdatesRule": {
                "monitoringNotificationChannels": [f"projects/{GCP_PROJECT}/notificationChannels/1234"],
                "disableDefaultIamRecipients": True,
            },
        },
    )


def gcp_cluster(location: str = "europe-west4") -> Resource:
    return res(
        "gcp:container/cluster:Cluster",
        "cluster",
        {
            "name": "ml-platform-gcp-dev",
            "location": location,
            "removeDefaultNodePool": True,
            "initialNodeCount": 1,
            "resourceLabels": LABELS,
            "workloadIdentityConfig": {"workloadPool": f"{GCP_PROJECT}.svc.id.goog"},
            "databaseEncryption": {"state": "ENCRYPTED", "keyName": GCP_KEY},
        },
    )


# --- Azure (by hand from pulumi_azure_native: containerservice.AgentPool, ...) ----------------

RG = "rg-ml-platform-dev"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"


def azure_gpu_agent_pool(name: str = "gput4") -> Resource:
    return res(
        "azure-native:containerservice:AgentPool",
        name,
        {
            "resourceGroupName": RG,
            "resourceName": "aks-ml-platform-dev",
            "agentPoolName": name,
            "mode": "User",
            "osType": "Linux",
            "vmSize": "Standard_NC4as_T4_v3",
            "enableAutoScaling": True,
            "count": 0,
            "minCount": 0,
            "maxCount": 2,
            "scaleSetPriority": "Spot",
            "scaleSetEvictionPolicy": "Delete",
            "spotMaxPrice": -1,
            "nodeLabels": {
                "mlplat/accelerator": "t4",
                "mlplat/pool": name,
                "mlplat/workload": "training",
                "mlplat/capacity": "spot",
            },
            "nodeTaints": ["nvidia.com/gpu=true:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
            "osDiskSizeGB": 200,
            "osDiskType": "Managed",
            "enableNodePublicIP": False,
            "enableEncryptionAtHost": True,
            "vnetSubnetID": f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes",
            "tags": AZURE_TAGS,
        },
    )


def azure_cluster(location: str = "westeurope") -> Resource:
    """A managed cluster with its system pool inline, as AKS requires."""
    return res(
        "azure-native:containerservice:ManagedCluster",
        "aks",
        {
            "resourceGroupName": RG,
            "location": location,
            "dnsPrefix": "ml-platform-dev",
            "enableRBAC": True,
            "disableLocalAccounts": True,
            "agentPoolProfiles": [
                {
                    "name": "system",
                    "mode": "System",
                    "osType": "Linux",
                    "type": "VirtualMachineScaleSets",
                    "vmSize": "Standard_D4s_v5",
                    "enableAutoScaling": True,
                    "count": 2,
                    "minCount": 2,
                    "maxCount": 3,
                    "nodeLabels": {"mlplat/pool": "system"},
                }
            ],
            "tags": AZURE_TAGS,
        },
    )


def azure_vmss() -> Resource:
    return res(
        "azure-native:compute:VirtualMachineScaleSet",
        "batch-cpu-vmss",
        {
            "resourceGroupName": RG,
            "location": "westeurope",
            "orchestrationMode": "Uniform",
            "sku": {"name": "Standard_D8s_v5", "tier": "Standard", "capacity": 0},
            "upgradePolicy": {"mode": "Manual"},
            "virtualMachineProfile": {
                "priority": "Spot",
                "evictionPolicy": "Delete",
                "billingProfile": {"maxPrice": -1},
                "storageProfile": {
                    "imageReference": {
                        "publisher": "Canonical",
                        "offer": "ubuntu-24_04-lts",
                        "sku": "server",
                        "version": "latest",
                    },
                    "osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "Premium_LRS"}},
                    "dataDisks": [
                        {
                            "lun": 0,
                            "createOption": "Empty",
                            "diskSizeGB": 256,
                            "managedDisk": {"storageAccountType": "PremiumV2_LRS"},
                        }
                    ],
                },
            },
            "tags": AZURE_TAGS,
        },
    )


def azure_autoscale(vmss: Resource) -> Resource:
    return linked(
        res(
            "azure-native:monitor:AutoscaleSetting",
            "batch-cpu-autoscale",
            {
                "resourceGroupName": RG,
                "location": "westeurope",
                "enabled": True,
                "targetResourceUri": f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/"
                "batch-cpu",
                "profiles": [
                    {"name": "cpu", "capacity": {"minimum": "0", "maximum": "4", "default": "0"}, "rules": []}
                ],
                "tags": AZURE_TAGS,
            },
        ),
        targetResourceUri=vmss,
    )


def azure_account(name: str = "datasets", *, location: str = "westeurope") -> Resource:
    return res(
        "azure-native:storage:StorageAccount",
        f"{name}-account",
        {
            "accountName": f"mlplatdev{name}",
            "resourceGroupName": RG,
            "location": location,
            "kind": "StorageV2",
            "sku": {"name": "Standard_ZRS"},
            "accessTier": "Hot",
            "allowBlobPublicAccess": False,
            "allowSharedKeyAccess": False,
            "enableHttpsTrafficOnly": True,
            "minimumTlsVersion": "TLS1_2",
            "tags": {**AZURE_TAGS, "mlplat-purpose": name},
        },
    )


def azure_management_policy(account: Resource) -> Resource:
    return linked(
        res(
            "azure-native:storage:ManagementPolicy",
            f"{account.name.removesuffix('-account')}-lifecycle",
            {
                "accountName": account.props["accountName"],
                "resourceGroupName": RG,
                "managementPolicyName": "default",
                "policy": {
                    "rules": [
                        {
                            "name": "tiering",
                            "enabled": True,
                            "type": "Lifecycle",
                            "definition": {
                                "filters": {"blobTypes": ["blockBlob"]},
                                "actions": {
                                    "baseBlob": {
                                        "tierToCool": {"daysAfterModificationGreaterThan": 30},
                                        "tierToArchive": {"daysAfterModificationGreaterThan": 180},
                                    },
                                    "version": {"delete": {"daysAfterCreationGreaterThan": 30}},
                                },
                            },
                        }
                    ]
                },
            },
        ),
        accountName=account,
    )


def azure_budget() -> Resource:
    def alert(threshold: int, kind: str) -> dict[str, Any]:
        return {
            "enabled": True,
            "operator": "GreaterThan",
            "threshold": threshold,
            "contactEmails": ["ml-platform@example.com"],
            "thresholdType": kind,
        }

    return res(
        "azure-native:consumption:Budget",
        "budget",
        {
            "scope": f"{SUB}/resourceGroups/{RG}",
            "budgetName": "ml-platform-azure-dev",
            "amount": 375,
            "category": "Cost",
            "timeGrain": "Monthly",
            "timePeriod": {"startDate": "2025-01-01T00:00:00Z"},
            "notifications": {
                "actual-50": alert(50, "Actual"),
                "actual-100": alert(100, "Actual"),
                "forecast-100": alert(100, "Forecasted"),
            },
        },
    )
