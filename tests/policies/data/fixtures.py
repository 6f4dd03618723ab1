"""Resource properties for the data-protection and compliance rules, as the program produces
them: copied from the synthesized prod stacks (`mlbp plan aws-prod|gcp-prod|azure-prod
--format json`, outputs where stack policies see outputs), trimmed to what the rules read.
Resources no component creates yet (an Azure blob diagnostic setting, a GCP Data Access audit
config) use the SDKs' wire names. Builders return fresh copies; combine with `shapes.changed`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mlp_policies.resources import Resource

from blueprint.cost import policy
from blueprint.loader import load_stack_file
from blueprint.model import Blueprint
from tests.policies.shapes import (
    AZURE_TAGS,
    LABELS,
    RG,
    SUB,
    TAGS,
    aws_bucket,
    azure_account,
    gcp_bucket,
    linked,
    res,
)

ROOT = Path(__file__).resolve().parents[3]
PROD_TAGS = {**TAGS, "environment": "prod", "data-classification": "confidential", "ml-platform-stack": "aws-prod"}
PROD_LABELS = {**LABELS, "environment": "prod", "data-classification": "confidential"}
PROD_AZURE_TAGS = {**AZURE_TAGS, "environment": "prod", "data-classification": "confidential"}
AWS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/e38a8fec-5f81-d529-9b9f-b4621be40fa2"
GCP_KEY = "projects/my-ml-project/locations/europe-west4/keyRings/platform-ring-ad4f4fd/cryptoKeys/platform-key"
VAULT_URI = "https://platform-vault-932a7aa.vault.azure.net/"


# --- the stack's blueprint (regimes, budget) ----------------------------------------------------


def shipped_blueprint(stack: str, **changes: Any) -> Blueprint:
    """A shipped stack's parsed blueprint with top-level fields replaced."""
    bp = load_stack_file(ROOT / "stacks" / f"Pulumi.{stack}.yaml").blueprint
    return dataclasses.replace(bp, **changes)


@contextmanager
def stack_blueprint(monkeypatch: pytest.MonkeyPatch, blueprint: Any) -> Iterator[list[str]]:
    """Every stack's blueprint lookup (`blueprint_for_stack`, which the rules and the estimator
    share) answers `blueprint`; yields the stack names asked for."""
    asked: list[str] = []

    def lookup(stack: str | None = None, *, start: Path | None = None) -> Any:
        asked.append(stack or "")
        return blueprint

    with monkeypatch.context() as m:
        m.setattr(policy, "blueprint_for_stack", lookup)
        m.delenv("PULUMI_STACK", raising=False)
        yield asked


def regimes(*names: str) -> SimpleNamespace:
    """A stand-in blueprint for the compliance rules, which read only `compliance`."""
    return SimpleNamespace(compliance=tuple(names))


# --- AWS (aws-prod) -----------------------------------------------------------------------------


def prod_bucket(name: str = "datasets", *, purpose: str | None = None) -> Resource:
    bucket = aws_bucket(name, purpose=purpose or name)
    tags = {**PROD_TAGS, "mlplat-purpose": purpose or name}
    return _with(bucket, tags=tags, tagsAll=tags)


def aws_sibling(bucket: Resource, kind: str, role: str, props: dict[str, Any], **links: Resource) -> Resource:
    name = bucket.name.removesuffix("-bucket")
    sibling = res(kind, f"{name}-{role}", {**props, "bucket": bucket.props["bucket"]}, parent=bucket.parent)
    return linked(sibling, bucket=bucket, **links)


def aws_versioning(bucket: Resource, status: str = "Enabled") -> Resource:
    return aws_sibling(
        bucket,
        "aws:s3/bucketVersioning:BucketVersioning",
        "versioning",
        {"versioningConfiguration": {"status": status}},
    )


def aws_encryption(bucket: Resource, *, kms: bool = True) -> Resource:
    default = {"kmsMasterKeyId": AWS_KEY, "sseAlgorithm": "aws:kms"} if kms else {"sseAlgorithm": "AES256"}
    return aws_sibling(
        bucket,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "encryption",
        {"rules": [{"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": kms}]},
    )


def aws_logging(bucket: Resource, target: Resource) -> Resource:
    name = bucket.name.removesuffix("-bucket")
    return aws_sibling(
        bucket,
        "aws:s3/bucketLogging:BucketLogging",
        "access-logs",
        {"targetBucket": target.props["bucket"], "targetPrefix": f"{name}/"},
        targetBucket=target,
    )


def aws_kms_key() -> Resource:
    return res(
        "aws:kms/key:Key",
        "platform-key",
        {
            "enableKeyRotation": True,
            "description": "ML platform data key",
            "deletionWindowInDays": 30.0,
            "rotationPeriodInDays": 365.0,
            "tags": PROD_TAGS,
        },
    )


def aws_eks_cluster() -> Resource:
    return res(
        "aws:eks/cluster:Cluster",
        "cluster-eks",
        {
            "name": "ml-platform-aws-prod",
            "version": "1.36",
            "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            "vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
            "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": AWS_KEY}},
            "arn": "arn:aws:eks:eu-west-1:123456789012:cluster/ml-platform-aws-prod",
            "tags": PROD_TAGS,
        },
    )


def classified_aws_stack() -> list[Resource]:
    """aws-prod's buckets: datasets logged into access-logs (SSE-S3, as S3 requires)."""
    logs = prod_bucket("access-logs", purpose="logs")
    data = prod_bucket("datasets")
    return [
        logs,
        aws_encryption(logs, kms=False),
        data,
        aws_encryption(data),
        aws_logging(data, logs),
    ]


# --- GCP (gcp-prod) -----------------------------------------------------------------------------


def prod_gcs_bucket(
    name: str = "datasets", *, purpose: str | None = None, log_bucket: Resource | None = None
) -> Resource:
    bucket = gcp_bucket(name)
    labels = {**PROD_LABELS, "mlplat-purpose": purpose or name}
    bucket = _with(bucket, labels=labels, encryption={"defaultKmsKeyName": GCP_KEY})
    if log_bucket is None:
        return bucket
    bucket = _with(bucket, logging={"logObjectPrefix": name, "logBucket": log_bucket.props["name"]})
    return linked(bucket, logging=log_bucket)


def classified_gcp_stack() -> list[Resource]:
    """What the GCP platform creates for confidential data by default: CMEK buckets without
    usage logs, and Data Access audit logs for Cloud Storage."""
    return [prod_gcs_bucket("datasets"), prod_gcs_bucket("models"), gcp_audit_config("DATA_READ", "DATA_WRITE")]


def classified_gcp_usage_logs_stack() -> list[Resource]:
    """With `gcp.usageLogs: true`: usage logs into the stack's log bucket (audit logs stay)."""
    logs = prod_gcs_bucket("access-logs", purpose="logs")
    return [logs, prod_gcs_bucket("datasets", log_bucket=logs)]


def gcp_crypto_key() -> Resource:
    return res(
        "gcp:kms/cryptoKey:CryptoKey",
        "platform-key",
        {
            "keyRing": "projects/my-ml-project/locations/europe-west4/keyRings/platform-ring-ad4f4fd",
            "purpose": "ENCRYPT_DECRYPT",
            "rotationPeriod": "7776000s",
            "destroyScheduledDuration": "2592000s",
            "versionTemplate": {"algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "protectionLevel": "SOFTWARE"},
            "labels": PROD_LABELS,
        },
    )


def gcp_key_ring() -> Resource:
    return res("gcp:kms/keyRing:KeyRing", "platform-ring", {"location": "europe-west4"})


def gcp_audit_config(*log_types: str, service: str = "storage.googleapis.com") -> Resource:
    """A project's Data Access audit logs (pulumi_gcp projects.IAMAuditConfig), as the GCP
    platform creates for classified data."""
    return res(
        "gcp:projects/iAMAuditConfig:IAMAuditConfig",
        "storage-data-access",
        {"project": "my-ml-project", "service": service, "auditLogConfigs": [{"logType": t} for t in log_types]},
    )


def gcp_gke_cluster() -> Resource:
    return res(
        "gcp:container/cluster:Cluster",
        "cluster-gke",
        {
            "name": "ml-platform-gcp-prod",
            "location": "europe-west4",
            "loggingConfig": {"enableComponents": ["SYSTEM_COMPONENTS", "WORKLOADS"]},
            "resourceLabels": PROD_LABELS,
        },
    )


# --- Azure (azure-prod) -------------------------------------------------------------------------


def prod_account(name: str = "datasets") -> Resource:
    account = azure_account(name)
    account_id = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/{account.props['accountName']}"
    return _with(
        account,
        tags={**PROD_AZURE_TAGS, "mlplat-purpose": name},
        id=account_id,
        encryption={
            "keySource": "Microsoft.Keyvault",
            "keyVaultProperties": {"keyVaultUri": VAULT_URI, "keyName": "platform-key-416ac3a"},
            "requireInfrastructureEncryption": True,
            "services": {
                "blob": {"enabled": True, "keyType": "Account"},
                "file": {"enabled": True, "keyType": "Account"},
            },
        },
    )


def azure_blob_service(account: Resource, *, versioning: bool = True, soft_delete: bool = True) -> Resource:
    service = res(
        "azure-native:storage:BlobServiceProperties",
        f"{account.name.removesuffix('-account')}-blob-service",
        {
            "resourceGroupName": RG,
            "accountName": account.props["accountName"],
            "blobServicesName": "default",
            "isVersioningEnabled": versioning,
            "deleteRetentionPolicy": {"enabled": soft_delete, "days": 30.0},
            "containerDeleteRetentionPolicy": {"enabled": True, "days": 30.0},
            "id": f"{account.props.get('id', '')}/blobServices/default",
            "name": "default",
        },
    )
    return linked(service, accountName=account)


def azure_blob_diagnostics(account: Resource, *categories: str) -> Resource:
    """A diagnostic setting on the account's blob service (pulumi_azure_native
    monitor.DiagnosticSetting); the Azure components create none."""
    setting = res(
        "azure-native:monitor:DiagnosticSetting",
        f"{account.name.removesuffix('-account')}-blob-logs",
        {
            "resourceUri": f"{account.props['id']}/blobServices/default",
            "workspaceId": f"{SUB}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/logs",
            "logs": [{"category": c, "enabled": True} for c in categories],
        },
    )
    return linked(setting, resourceUri=account)


def azure_vault() -> Resource:
    return res(
        "azure-native:keyvault:Vault",
        "platform-vault",
        {
            "resourceGroupName": RG,
            "location": "westeurope",
            "properties": {
                "tenantId": "11111111-1111-1111-1111-111111111111",
                "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": True,
                "enableSoftDelete": True,
                "softDeleteRetentionInDays": 90.0,
                "enablePurgeProtection": True,
            },
            "tags": PROD_AZURE_TAGS,
        },
    )


def azure_key_vault_key() -> Resource:
    return res(
        "azure-native:keyvault:Key",
        "platform-key",
        {
            "vaultName": "platform-vault-932a7aa",
            "resourceGroupName": RG,
            "properties": {"kty": "RSA", "keySize": 3072.0, "keyOps": ["encrypt", "decrypt", "wrapKey", "unwrapKey"]},
            "tags": PROD_AZURE_TAGS,
        },
    )


def azure_aks_cluster() -> Resource:
    cluster_id = (
        f"{SUB}/resourceGroups/{RG}/providers/Microsoft.ContainerService/managedClusters/ml-platform-azure-prod"
    )
    return res(
        "azure-native:containerservice:ManagedCluster",
        "cluster-aks",
        {
            "resourceGroupName": RG,
            "location": "westeurope",
            "resourceName": "ml-platform-azure-prod",
            "agentPoolProfiles": [
                {
                    "name": "system",
                    "mode": "System",
                    "vmSize": "Standard_D4s_v5",
                    "enableAutoScaling": True,
                    "count": 2.0,
                    "minCount": 2.0,
                    "maxCount": 4.0,
                    "scaleSetPriority": "Regular",
                    "nodeLabels": {"mlplat/pool": "system"},
                }
            ],
            "id": cluster_id,
            "tags": PROD_AZURE_TAGS,
        },
    )


def azure_cluster_diagnostics(cluster: Resource, *categories: str) -> Resource:
    setting = res(
        "azure-native:monitor:DiagnosticSetting",
        "cluster-diagnostics",
        {
            "resourceUri": cluster.props["id"],
            "logAnalyticsDestinationType": "Dedicated",
            "workspaceId": f"{SUB}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/cluster-logs",
            "logs": [{"category": c, "enabled": True} for c in categories],
        },
    )
    return linked(setting, resourceUri=cluster)


AKS_LOGS = ("kube-apiserver", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler")
BLOB_LOGS = ("StorageRead", "StorageWrite", "StorageDelete")


# --- helpers ------------------------------------------------------------------------------------


def _with(resource: Resource, **props: Any) -> Resource:
    return dataclasses.replace(resource, props={**resource.props, **props})


def protected(resource: Resource, protect: bool = True) -> Resource:
    return dataclasses.replace(resource, protect=protect)


def budgeted(stack: str, region: str, monthly_limit_usd: float) -> Blueprint:
    """A shipped stack's blueprint in `region` with its budget set to `monthly_limit_usd`."""
    bp = shipped_blueprint(stack, region=region)
    return dataclasses.replace(bp, budget=dataclasses.replace(bp.budget, monthly_limit_usd=monthly_limit_usd))
