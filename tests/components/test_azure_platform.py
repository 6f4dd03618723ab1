"""The Azure components, synthesized from the shipped stacks under mocks: the exact resources
and the properties that make them secure and cheap."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections import Counter
from typing import Any

import pytest
import yaml

from blueprint.engine.model import ResourceGraph, ResourceRecord
from blueprint.engine.synth import SynthError, synthesize_stacks
from blueprint.loader import load_stack_file
from blueprint.model import Blackout, Blueprint, BudgetAlert, Maintenance
from components.azure import naming, roles, ssh
from components.azure.budget import check_alert_count
from components.azure.cluster import api_server_access, check_address_ranges
from components.azure.maintenance import check_maintenance
from components.azure.platform import agent_pool_names
from components.azure.tiered_bucket import check_tier_redundancy
from components.common.sdk import resource_parameters
from components.common.tagging import REQUIRED_TAG_KEYS
from tests.components.conftest import ROOT, cluster_layer_counts, of_type

STACKS = ("azure-dev", "azure-prod")
T = "azure-native"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"  # the stacks' azure.subscriptionId

# Written out by hand from the stacks: a changed count is a changed deployment.
EXPECTED_DEV = {
    f"{T}:resources:ResourceGroup": 1,  # no azure.resourceGroup: the platform creates <stack>-rg
    f"{T}:network:VirtualNetwork": 1,
    f"{T}:network:Subnet": 1,  # one node subnet for AKS and the scale set
    # the node subnet's (Azure's default rules only) + batch-cpu's NIC group (egress: web)
    f"{T}:network:NetworkSecurityGroup": 2,
    f"{T}:network:NatGateway": 1,
    f"{T}:network:PublicIPAddress": 1,  # the NAT gateway's, the only public address
    f"{T}:keyvault:Vault": 1,
    f"{T}:keyvault:Key": 1,
    f"{T}:compute:DiskEncryptionSet": 1,
    # encryption identity (storage CMK) + cluster control plane + batch-cpu + notebook + trainer
    f"{T}:managedidentity:UserAssignedIdentity": 5,
    f"{T}:managedidentity:FederatedIdentityCredential": 2,  # notebook, trainer
    # key: encryption identity + disk encryption set = 2; cluster: network, DES reader, deployer
    # admin = 3; grants: notebook datasets read + artifacts readwrite, trainer datasets read +
    # checkpoints readwrite = 4; 2 + 3 + 4 = 9
    f"{T}:authorization:RoleAssignment": 9,
    f"{T}:containerservice:ManagedCluster": 1,
    f"{T}:containerservice:AgentPool": 2,  # dev-gpu, dev-infer (the system pool is inline)
    f"{T}:operationalinsights:Workspace": 1,
    f"{T}:monitor:DataCollectionRule": 1,
    f"{T}:monitor:DataCollectionRuleAssociation": 1,
    f"{T}:monitor:DiagnosticSetting": 1,
    f"{T}:compute:VirtualMachineScaleSet": 1,
    f"{T}:monitor:AutoscaleSetting": 1,
    f"{T}:storage:StorageAccount": 3,  # datasets, artifacts, checkpoints
    f"{T}:storage:BlobServiceProperties": 3,
    f"{T}:storage:BlobContainer": 3,
    f"{T}:storage:ManagementPolicy": 3,
    f"{T}:consumption:Budget": 1,
    f"{T}:monitor:ActionGroup": 1,  # the stack's notification channel: one receiver per monitoring contact
    # AKS planned maintenance: cluster auto-upgrades and node images, both in the blueprint window
    f"{T}:containerservice:MaintenanceConfiguration": 2,
    # waits for grants to propagate: the encryption identity's and the disk set's key grants,
    # the cluster identity's network and disk set grants, the deployer's cluster-admin grant
    "time:index/sleep:Sleep": 4,
    "mlplat:azure:Platform": 1,
    "mlplat:azure:Network": 1,
    "mlplat:azure:EncryptionKey": 1,
    "mlplat:azure:Cluster": 1,
    "mlplat:azure:GpuNodePool": 2,
    "mlplat:azure:AutoscalingGroup": 1,
    "mlplat:azure:TieredBucket": 3,
    "mlplat:azure:WorkloadIdentity": 2,
    "mlplat:azure:Budget": 1,
    "mlplat:azure:NotificationChannel": 1,
    # The cluster layer (the device plugin, Kueue, KubeRay, JobSet); both workloads share the `ml` namespace.
    **cluster_layer_counts(releases=4),
}
EXPECTED_PROD = {
    **EXPECTED_DEV,
    "kubernetes:core/v1:Namespace": 2,  # training, serving
    "kubernetes:core/v1:ResourceQuota": 2,
    "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor": 3,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 2,
    # encryption identity + cluster + data-prep + trainer + server
    f"{T}:managedidentity:UserAssignedIdentity": 5,
    f"{T}:managedidentity:FederatedIdentityCredential": 2,  # trainer, server
    # 2 key + 3 cluster + trainer 3 buckets + server models read + server key use
    # + data-prep datasets readwrite = 11
    f"{T}:authorization:RoleAssignment": 11,
    f"{T}:authorization:RoleDefinition": 1,  # key use for decrypt (server)
    "time:index/sleep:Sleep": 5,  # + the decrypt role definition's replication
    f"{T}:authorization:ManagementLockByScope": 4,  # prod: 3 storage accounts + the vault
    f"{T}:monitor:DiagnosticSetting": 4,  # cluster + blob access logs of 3 confidential accounts
    f"{T}:containerservice:AgentPool": 3,  # train, eval, serve
    "mlplat:azure:GpuNodePool": 3,
}

# Documented built-in role GUIDs (the same in every tenant).
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
USER_ACCESS_ADMIN = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
AKS_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"

TIER_ACTION = {"infrequent": "tierToCool", "cold": "tierToCold", "archive": "tierToArchive"}
VM_SIZES = {  # from the catalog, by hand
    "azure-dev": {"dev-gpu": "Standard_NC4as_T4_v3", "dev-infer": "Standard_NC4as_T4_v3"},
    "azure-prod": {
        "train": "Standard_NC96ads_A100_v4",  # a100-80gb x 4
        "eval": "Standard_NC4as_T4_v3",
        "serve": "Standard_NC4as_T4_v3",
    },
}
AGENT_POOLS = {"azure-dev": {"dev-gpu": "devgpu", "dev-infer": "devinfer"}, "azure-prod": {}}
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
GPU_TAINT = "nvidia.com/gpu=true:NoSchedule"
SLEEP = "time:index/sleep:Sleep"


@pytest.fixture(scope="module")
def graphs() -> dict[str, ResourceGraph]:
    paths = [ROOT / "stacks" / f"Pulumi.{name}.yaml" for name in STACKS]
    results = synthesize_stacks(ROOT, paths, jobs=2)
    out: dict[str, ResourceGraph] = {}
    for name, result in zip(STACKS, results, strict=True):
        if isinstance(result, SynthError):
            pytest.fail(str(result))
        out[name] = result
    return out


@pytest.fixture(scope="module")
def blueprints() -> dict[str, Blueprint]:
    return {name: load_stack_file(ROOT / "stacks" / f"Pulumi.{name}.yaml").blueprint for name in STACKS}


def one(graph: ResourceGraph, type_token: str) -> ResourceRecord:
    found = of_type(graph, type_token)
    assert len(found) == 1, (type_token, [r.name for r in found])
    return found[0]


def child(graph: ResourceGraph, component: str, type_token: str) -> ResourceRecord:
    """The one `type_token` resource whose parent is the component named `component`."""
    parents = {r.urn for r in graph.resources if r.name == component and r.type.startswith("mlplat:azure:")}
    found = [r for r in graph.resources if r.parent in parents and r.type == type_token]
    assert len(found) == 1, (component, type_token, [r.name for r in found])
    return found[0]


def role_guid(assignment: ResourceRecord) -> str:
    return str(assignment.inputs["roleDefinitionId"]).rsplit("/", 1)[-1]


def assignments(graph: ResourceGraph) -> list[ResourceRecord]:
    return of_type(graph, f"{T}:authorization:RoleAssignment")


def wait_between(graph: ResourceGraph, consumer: ResourceRecord, grant: ResourceRecord) -> ResourceRecord:
    """The one sleep that `consumer` depends on and that depends on `grant`."""
    by_urn = graph.by_urn()
    [sleep] = [
        by_urn[u] for u in consumer.dependencies if by_urn[u].type == SLEEP and grant.urn in by_urn[u].dependencies
    ]
    return sleep


# -- shape ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "expected"), [("azure-dev", EXPECTED_DEV), ("azure-prod", EXPECTED_PROD)])
def test_exact_resource_counts(graphs: dict[str, ResourceGraph], stack: str, expected: dict[str, int]) -> None:
    assert dict(Counter(r.type for r in graphs[stack].resources)) == expected


@pytest.mark.parametrize("stack", STACKS)
def test_every_child_has_a_component_parent(graphs: dict[str, ResourceGraph], stack: str) -> None:
    graph = graphs[stack]
    by_urn = graph.by_urn()
    for r in graph.resources:
        if r.type != "mlplat:azure:Platform":
            assert r.parent is not None and by_urn[r.parent].type.startswith(("mlplat:azure:", "mlplat:kubernetes:")), (
                r.urn
            )


@pytest.mark.parametrize("stack", STACKS)
def test_everything_lives_in_the_platform_group_and_region(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    group = one(graph, f"{T}:resources:ResourceGroup")
    assert group.inputs["resourceGroupName"] == f"{stack}-rg"
    for r in graph.resources:
        if "resourceGroupName" in r.inputs:
            assert r.inputs["resourceGroupName"] == f"{stack}-rg", r.urn
        if "location" in r.inputs:
            # Action groups are global: Azure places them (the notification channel test)
            expected = "global" if r.type == f"{T}:monitor:ActionGroup" else bp.region
            assert r.inputs["location"] == expected, r.urn


# -- storage -------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_storage_accounts_are_private_tls_only_and_encrypted_with_the_platform_key(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    vault = one(graph, f"{T}:keyvault:Vault")
    key = one(graph, f"{T}:keyvault:Key")
    encryption_identity = child(graph, "platform", f"{T}:managedidentity:UserAssignedIdentity")
    subnet = one(graph, f"{T}:network:Subnet")
    for spec in bp.buckets:
        account = child(graph, spec.name, f"{T}:storage:StorageAccount").inputs
        assert account["kind"] == "StorageV2"
        assert account["enableHttpsTrafficOnly"] is True
        assert account["minimumTlsVersion"] == "TLS1_2"
        assert account["allowBlobPublicAccess"] is False
        assert account["allowSharedKeyAccess"] is False
        assert account["allowCrossTenantReplication"] is False
        assert account["tags"]["mlplat-purpose"] == spec.purpose
        encryption = account["encryption"]
        assert encryption["keySource"] == "Microsoft.Keyvault"
        assert encryption["requireInfrastructureEncryption"] is True
        assert encryption["keyVaultProperties"] == {
            "keyVaultUri": vault.outputs["properties"]["vaultUri"],
            "keyName": key.outputs["name"],
        }  # no keyVersion: the account follows rotation
        assert encryption["encryptionIdentity"] == {"encryptionUserAssignedIdentity": encryption_identity.id}
        assert account["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [encryption_identity.id]}
        rules = account["networkRuleSet"]
        if bp.is_prod:
            assert rules["defaultAction"] == "Deny" and rules["bypass"] == "AzureServices"
            assert [r["virtualNetworkResourceId"] for r in rules["virtualNetworkRules"]] == [subnet.id]
            assert account["sku"] == {"name": "Standard_ZRS"}
        else:
            assert rules["defaultAction"] == "Allow"
            assert account["sku"] == {"name": "Standard_LRS"}


def test_storage_account_names_are_valid_unique_and_derived_from_where_they_live(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint]
) -> None:
    for stack, graph in graphs.items():
        names = {
            child(graph, b.name, f"{T}:storage:StorageAccount").inputs["accountName"]: b.name
            for b in blueprints[stack].buckets
        }
        assert len(names) == len(blueprints[stack].buckets)
        for name, bucket in names.items():
            assert re.fullmatch(r"st[a-z0-9]{1,22}", name) and len(name) <= 24, name
            assert name == naming.storage_account_name(SUBSCRIPTION, f"{stack}-rg", bucket)
            assert name.startswith(f"st{bucket}")
    assert naming.storage_account_name(SUBSCRIPTION, "a-rg", "datasets") != naming.storage_account_name(
        SUBSCRIPTION, "b-rg", "datasets"
    )


@pytest.mark.parametrize("stack", STACKS)
def test_blob_service_versions_and_soft_deletes_and_containers_are_private(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    days = 30 if bp.is_prod else 7
    for spec in bp.buckets:
        account = child(graph, spec.name, f"{T}:storage:StorageAccount")
        service = child(graph, spec.name, f"{T}:storage:BlobServiceProperties").inputs
        assert service["accountName"] == account.outputs["name"]
        assert service["isVersioningEnabled"] is spec.versioning
        assert service["deleteRetentionPolicy"] == {"enabled": True, "days": days}
        assert service["containerDeleteRetentionPolicy"] == {"enabled": True, "days": days}
        container = child(graph, spec.name, f"{T}:storage:BlobContainer").inputs
        assert container == {
            "resourceGroupName": f"{stack}-rg",
            "accountName": account.outputs["name"],
            "containerName": spec.name,
            "publicAccess": "None",
        }


@pytest.mark.parametrize("stack", STACKS)
def test_management_policies_tier_by_the_catalog_and_expire(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    for spec in bp.buckets:
        account = child(graph, spec.name, f"{T}:storage:StorageAccount")
        policy = child(graph, spec.name, f"{T}:storage:ManagementPolicy").inputs
        assert policy["managementPolicyName"] == "default"
        assert policy["accountName"] == account.outputs["name"]
        [rule] = policy["policy"]["rules"]
        assert rule["enabled"] is True and rule["type"] == "Lifecycle"
        assert rule["definition"]["filters"] == {"blobTypes": ["blockBlob"]}
        actions = rule["definition"]["actions"]
        expected_base = {
            TIER_ACTION[t.storage_class]: {"daysAfterModificationGreaterThan": t.after_days} for t in spec.tiers
        }
        if spec.expire_after_days is not None:
            expected_base["delete"] = {"daysAfterModificationGreaterThan": spec.expire_after_days}
        assert actions["baseBlob"] == expected_base
        # Old versions: deleted after noncurrentVersionExpireDays; moved to Cool after 30 days
        # only when they then stay at least Cool's 30-day minimum.
        expected_version: dict[str, Any] = {
            "delete": {"daysAfterCreationGreaterThan": spec.noncurrent_version_expire_days}
        }
        if spec.noncurrent_version_expire_days >= 60:
            expected_version["tierToCool"] = {"daysAfterCreationGreaterThan": 30}
        assert actions["version"] == expected_version


def test_prod_models_old_versions_move_to_cool_before_expiry(graphs: dict[str, ResourceGraph]) -> None:
    policy = child(graphs["azure-prod"], "models", f"{T}:storage:ManagementPolicy").inputs  # noncurrent 90 days
    version = policy["policy"]["rules"][0]["definition"]["actions"]["version"]
    assert version == {
        "tierToCool": {"daysAfterCreationGreaterThan": 30},
        "delete": {"daysAfterCreationGreaterThan": 90},
    }


# -- identities and roles ------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_no_role_is_owner_or_contributor_and_none_is_group_or_subscription_wide(
    graphs: dict[str, ResourceGraph], stack: str
) -> None:
    found = assignments(graphs[stack])
    assert found
    for a in found:
        assert role_guid(a) not in {OWNER, CONTRIBUTOR, USER_ACCESS_ADMIN}, a.name
        assert a.inputs["roleDefinitionId"].startswith(f"/subscriptions/{SUBSCRIPTION}/providers/")
        assert not re.fullmatch(r"/subscriptions/[^/]+(/resourceGroups/[^/]+)?/?", a.inputs["scope"]), a.name


@pytest.mark.parametrize("stack", STACKS)
def test_bucket_grants_are_blob_data_roles_on_the_one_container(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    by_name = {a.name: a for a in assignments(graph)}
    for w in bp.workloads:
        identity = child(graph, w.name, f"{T}:managedidentity:UserAssignedIdentity")
        for bucket, access in w.buckets.items():
            grant = by_name[f"{w.name}-{bucket}-{access}"]
            container = child(graph, bucket, f"{T}:storage:BlobContainer")
            assert grant.inputs["scope"] == container.id
            assert str(container.id).endswith(f"/blobServices/default/containers/{bucket}")
            assert role_guid(grant) == (BLOB_CONTRIBUTOR if access == "readwrite" else BLOB_READER)
            assert grant.inputs["principalId"] == identity.outputs["principalId"]
            assert grant.inputs["principalType"] == "ServicePrincipal"
    # Nobody else holds a blob data role.
    granted = {
        (a.inputs["principalId"], a.inputs["scope"])
        for a in by_name.values()
        if role_guid(a) in {BLOB_READER, BLOB_CONTRIBUTOR}
    }
    # VM groups' grants: test_vm_group_buckets_are_granted_to_the_groups_identity
    assert len(granted) == sum(len(w.buckets) for w in bp.workloads) + sum(
        len(g.buckets) for g in bp.autoscaling_groups
    )


def test_key_use_is_granted_only_to_workloads_that_ask(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint]
) -> None:
    graph, bp = graphs["azure-prod"], blueprints["azure-prod"]
    key = one(graph, f"{T}:keyvault:Key")
    asking = [w for w in bp.workloads if w.key_access != "none"]
    assert [(w.name, w.key_access) for w in asking] == [("server", "decrypt")]
    [definition] = of_type(graph, f"{T}:authorization:RoleDefinition")
    users = [a for a in assignments(graph) if role_guid(a) == definition.inputs["roleDefinitionId"]]
    server = child(graph, "server", f"{T}:managedidentity:UserAssignedIdentity")
    assert [(a.inputs["principalId"], a.inputs["scope"]) for a in users] == [(server.outputs["principalId"], key.id)]
    assert not [a for a in assignments(graph) if role_guid(a) == CRYPTO_USER]
    assert not of_type(graphs["azure-dev"], f"{T}:authorization:RoleDefinition")
    assert not [a for a in assignments(graphs["azure-dev"]) if role_guid(a) == CRYPTO_USER]


def test_key_use_role_is_exactly_read_decrypt_and_unwrap_in_the_platform_group(
    graphs: dict[str, ResourceGraph],
) -> None:
    graph = graphs["azure-prod"]
    [definition] = of_type(graph, f"{T}:authorization:RoleDefinition")
    group = one(graph, f"{T}:resources:ResourceGroup")
    guid = definition.inputs["roleDefinitionId"]
    assert (
        guid
        == roles.key_use_role(
            "decrypt", subscription_id=SUBSCRIPTION, project="ml-platform", stack="azure-prod", key="platform"
        ).guid
    )
    assert definition.inputs == {
        "scope": group.id,
        "roleDefinitionId": guid,
        "roleName": f"mlplat key decrypt {guid[:8]}",
        "roleType": "CustomRole",
        "description": "Use the platform key for application encryption (decrypt); nothing else",
        "permissions": [
            {
                "actions": [],
                "notActions": [],
                "dataActions": [
                    "Microsoft.KeyVault/vaults/keys/read",
                    "Microsoft.KeyVault/vaults/keys/decrypt/action",
                    "Microsoft.KeyVault/vaults/keys/unwrap/action",
                ],
                "notDataActions": [],
            }
        ],
        "assignableScopes": [group.id],
    }
    [grant] = [a for a in assignments(graph) if role_guid(a) == guid]
    assert (
        grant.inputs["roleDefinitionId"]
        == f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    )
    sleep = wait_between(graph, grant, definition)
    assert sleep.inputs == {"createDuration": "5m", "triggers": {"grant0": definition.id}}
    # encrypt-decrypt adds encrypt and wrap; neither level may update, delete, back up or sign.
    both = roles.key_use_role("encrypt-decrypt", subscription_id=SUBSCRIPTION, project="p", stack="s", key="k")
    assert {a.rsplit("/", 2)[-2] if a.endswith("/action") else a.rsplit("/", 1)[-1] for a in both.data_actions} == {
        "read",
        "encrypt",
        "decrypt",
        "wrap",
        "unwrap",
    }
    assert both.guid != guid


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_encryption_identities_wrap_with_the_key(graphs: dict[str, ResourceGraph], stack: str) -> None:
    graph = graphs[stack]
    key = one(graph, f"{T}:keyvault:Key")
    des = one(graph, f"{T}:compute:DiskEncryptionSet")
    identity = child(graph, "platform", f"{T}:managedidentity:UserAssignedIdentity")
    wrap = [a for a in assignments(graph) if role_guid(a) == CRYPTO_SERVICE_ENCRYPTION_USER]
    assert {(a.inputs["principalId"], a.inputs["scope"]) for a in wrap} == {
        (identity.outputs["principalId"], key.id),
        (des.outputs["identity"]["principalId"], key.id),
    }
    # Storage accounts are created only once their identity's key grant has propagated (Key
    # Vault RBAC: up to 10 minutes).
    identity_grant = next(a for a in wrap if a.inputs["principalId"] == identity.outputs["principalId"])
    for account in of_type(graph, f"{T}:storage:StorageAccount"):
        sleep = wait_between(graph, account, identity_grant)
        assert sleep.name == "platform-encryption-key-propagated"
        assert sleep.inputs == {"createDuration": "10m", "triggers": {"grant0": identity_grant.id}}
        assert identity_grant.urn not in account.dependencies  # only through the wait


@pytest.mark.parametrize("stack", STACKS)
def test_workloads_federate_exactly_their_service_account_with_the_cluster_issuer(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    issuer = one(graph, f"{T}:containerservice:ManagedCluster").outputs["oidcIssuerProfile"]["issuerURL"]
    assert issuer.startswith("https://") and issuer.endswith("/")
    credentials = of_type(graph, f"{T}:managedidentity:FederatedIdentityCredential")
    assert len(credentials) == len(bp.workloads)
    for w in bp.workloads:
        identity = child(graph, w.name, f"{T}:managedidentity:UserAssignedIdentity")
        cred = child(graph, w.name, f"{T}:managedidentity:FederatedIdentityCredential").inputs
        assert cred["subject"] == f"system:serviceaccount:{w.namespace}:{w.service_account}"
        assert cred["issuer"] == issuer
        assert cred["audiences"] == ["api://AzureADTokenExchange"]
        assert cred["resourceName"] == identity.outputs["name"]


# -- cluster -------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_cluster_uses_entra_rbac_private_api_overlay_cilium_and_workload_identity(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    aks = one(graph, f"{T}:containerservice:ManagedCluster")
    spec = aks.inputs
    assert spec["aadProfile"] == {
        "managed": True,
        "enableAzureRBAC": True,
        "tenantID": "11111111-1111-1111-1111-111111111111",
    }
    assert spec["disableLocalAccounts"] is True and spec["enableRBAC"] is True
    assert bp.cluster.private_endpoint  # both shipped stacks
    assert spec["apiServerAccessProfile"] == {
        "enablePrivateCluster": True,
        "enablePrivateClusterPublicFQDN": False,
        "privateDNSZone": "system",
    }
    assert "privateFQDN" in aks.outputs
    network = spec["networkProfile"]
    assert (network["networkPlugin"], network["networkPluginMode"], network["networkPolicy"]) == (
        "azure",
        "overlay",
        "cilium",
    )
    assert network["outboundType"] == "userAssignedNATGateway"
    assert spec["oidcIssuerProfile"] == {"enabled": True}
    assert spec["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert spec["diskEncryptionSetID"] == one(graph, f"{T}:compute:DiskEncryptionSet").id
    assert spec["autoUpgradeProfile"] == {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}
    assert spec["kubernetesVersion"] == bp.cluster.kubernetes_version
    assert spec["nodeResourceGroup"] == f"{stack}-rg-aks-nodes"
    identity = child(graph, "cluster", f"{T}:managedidentity:UserAssignedIdentity")
    assert spec["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity.id]}
    assert spec["sku"] == {"name": "Base", "tier": "Standard" if bp.is_prod else "Free"}


@pytest.mark.parametrize("stack", STACKS)
def test_container_insights_and_control_plane_logs_go_to_the_workspace(
    graphs: dict[str, ResourceGraph], stack: str
) -> None:
    graph = graphs[stack]
    aks = one(graph, f"{T}:containerservice:ManagedCluster")
    workspace = one(graph, f"{T}:operationalinsights:Workspace")
    assert workspace.inputs["features"]["disableLocalAuth"] is True
    assert workspace.inputs["retentionInDays"] == (90 if stack == "azure-prod" else 30)
    assert aks.inputs["addonProfiles"]["omsagent"] == {
        "enabled": True,
        "config": {"logAnalyticsWorkspaceResourceID": workspace.id, "useAADAuth": "true"},
    }
    rule = one(graph, f"{T}:monitor:DataCollectionRule").inputs
    assert rule["destinations"]["logAnalytics"] == [{"name": "workspace", "workspaceResourceId": workspace.id}]
    association = one(graph, f"{T}:monitor:DataCollectionRuleAssociation").inputs
    assert association["resourceUri"] == aks.id
    assert association["dataCollectionRuleId"] == one(graph, f"{T}:monitor:DataCollectionRule").id
    diagnostics = next(
        r for r in graph.resources if r.type == f"{T}:monitor:DiagnosticSetting" and r.name == "cluster-diagnostics"
    ).inputs
    assert diagnostics["resourceUri"] == aks.id and diagnostics["workspaceId"] == workspace.id
    assert {log["category"] for log in diagnostics["logs"] if log["enabled"]} >= {"kube-audit-admin", "guard"}


@pytest.mark.parametrize("stack", STACKS)
def test_system_pool_is_on_demand_autoscaled_private_and_zonal_in_prod(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    aks = one(graph, f"{T}:containerservice:ManagedCluster")
    [system] = aks.inputs["agentPoolProfiles"]
    subnet = one(graph, f"{T}:network:Subnet")
    assert system["name"] == "system" and system["mode"] == "System"
    assert system["scaleSetPriority"] == "Regular"
    assert system["vmSize"] == bp.cluster.system_pool.instance_type == "Standard_D4s_v5"
    assert (system["enableAutoScaling"], system["minCount"], system["maxCount"]) == (
        True,
        bp.cluster.system_pool.min_nodes,
        bp.cluster.system_pool.max_nodes,
    )
    assert system["enableNodePublicIP"] is False
    assert system["vnetSubnetID"] == subnet.id
    assert system["osDiskType"] == "Managed"
    assert system.get("availabilityZones") == (["1", "2", "3"] if bp.is_prod else None)
    assert system["nodeTaints"] == ["CriticalAddonsOnly=true:NoSchedule"]  # AKS add-ons only
    assert aks.ignore_changes == ("agentPoolProfiles[0].count",)


@pytest.mark.parametrize("stack", STACKS)
def test_cluster_identity_holds_only_scoped_roles_granted_before_the_cluster(
    graphs: dict[str, ResourceGraph], stack: str
) -> None:
    graph = graphs[stack]
    aks = one(graph, f"{T}:containerservice:ManagedCluster")
    identity = child(graph, "cluster", f"{T}:managedidentity:UserAssignedIdentity")
    held = {
        (role_guid(a), a.inputs["scope"]): a
        for a in assignments(graph)
        if a.inputs["principalId"] == identity.outputs["principalId"]
    }
    vnet = one(graph, f"{T}:network:VirtualNetwork")
    des = one(graph, f"{T}:compute:DiskEncryptionSet")
    assert set(held) == {(NETWORK_CONTRIBUTOR, vnet.id), (READER, des.id)}
    sleeps = {wait_between(graph, aks, a).urn for a in held.values()}
    [sleep] = [r for r in of_type(graph, SLEEP) if r.urn in sleeps]
    assert sleep.name == "cluster-identity-propagated" and sleep.inputs["createDuration"] == "60m"
    assert sorted(sleep.inputs["triggers"].values()) == sorted(a.id for a in held.values())
    des_grant = next(a for a in assignments(graph) if a.name == "platform-des-key")
    assert wait_between(graph, aks, des_grant).name == "platform-des-key-propagated"
    admin = next(a for a in assignments(graph) if role_guid(a) == AKS_CLUSTER_ADMIN)
    assert admin.inputs["scope"] == aks.id
    assert admin.inputs["principalType"] == "ServicePrincipal"  # the mocks sign in as CI does


def test_the_deployer_is_a_user_only_when_signed_in_through_the_azure_cli_or_powershell() -> None:
    assert roles.deployer_principal_type("04b07795-8ddb-461a-bbee-02f9e1bf7b46") == "User"
    assert roles.deployer_principal_type("1950a258-227b-4e31-a9cf-717495945fc2") == "User"
    assert roles.deployer_principal_type("0f5b7c2e-1111-4c3b-9d2a-6b0f1e2d3c4b") == "ServicePrincipal"


def test_owner_and_contributor_are_refused() -> None:
    for guid, name in ((OWNER, "Owner"), (CONTRIBUTOR, "Contributor")):
        with pytest.raises(ValueError, match=name):
            roles.assign_role(
                "x",
                role=roles.BuiltInRole(name, guid),
                scope="/subscriptions/s",
                principal_id="p",
                subscription_id="s",
                description="",
                parent=None,  # type: ignore[arg-type]  # refused before any resource is made
            )


def test_public_api_server_is_limited_to_authorized_ranges() -> None:
    public = api_server_access(False, ("203.0.113.0/24",))
    assert public.enable_private_cluster is False
    assert public.authorized_ip_ranges == ["203.0.113.0/24"]
    with pytest.raises(ValueError, match="authorizedCidrs"):
        api_server_access(False, ())
    assert api_server_access(True, ()).enable_private_cluster is True


def test_overlay_ranges_must_not_overlap_the_vnet() -> None:
    check_address_ranges("10.0.0.0/16")
    with pytest.raises(ValueError, match=r"172\.16\.0\.0/16"):
        check_address_ranges("172.16.0.0/20")


# -- GPU pools and scale sets --------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_gpu_pools_are_user_pools_on_the_catalog_size_with_spot_taints_and_the_aks_driver(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    aks = one(graph, f"{T}:containerservice:ManagedCluster")
    subnet = one(graph, f"{T}:network:Subnet")
    assert {p.name for p in bp.gpu_pools} == set(VM_SIZES[stack])
    for spec in bp.gpu_pools:
        pool = child(graph, spec.name, f"{T}:containerservice:AgentPool")
        p = pool.inputs
        assert p["resourceName"] == aks.outputs["name"]
        assert p["agentPoolName"] == AGENT_POOLS[stack].get(spec.name, spec.name)
        assert p["mode"] == "User"
        assert p["vmSize"] == VM_SIZES[stack][spec.name]
        assert (p["enableAutoScaling"], p["minCount"], p["maxCount"]) == (True, spec.min_nodes, spec.max_nodes)
        assert pool.ignore_changes == ("count",)
        assert p["gpuProfile"] == {"driver": "Install"}
        assert p["enableNodePublicIP"] is False
        assert p["vnetSubnetID"] == subnet.id
        assert (p["osDiskType"], p["osDiskSizeGB"]) == ("Managed", spec.disk_size_gib)
        assert GPU_TAINT in p["nodeTaints"]
        assert p["nodeLabels"]["mlplat/accelerator"] == spec.accelerator
        assert p["nodeLabels"]["mlplat/pool"] == spec.name
        for key, value in spec.labels.items():
            assert p["nodeLabels"][key] == value
        if spec.capacity == "spot":
            assert (p["scaleSetPriority"], p["scaleSetEvictionPolicy"], p["spotMaxPrice"]) == ("Spot", "Delete", -1)
            assert SPOT_TAINT in p["nodeTaints"]
        else:
            assert p["scaleSetPriority"] == "Regular"
            assert "scaleSetEvictionPolicy" not in p and "spotMaxPrice" not in p
            assert SPOT_TAINT not in p["nodeTaints"]


def test_serve_pool_carries_every_blueprint_taint_and_no_spot_taint(graphs: dict[str, ResourceGraph]) -> None:
    pool = child(graphs["azure-prod"], "serve", f"{T}:containerservice:AgentPool").inputs
    assert pool["nodeTaints"] == [GPU_TAINT, "workload=inference:NoSchedule"]
    assert pool["minCount"] == 1  # serving stays warm


@pytest.mark.parametrize("stack", STACKS)
def test_scale_set_is_spot_private_encrypted_and_cpu_autoscaled(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, [spec] = graphs[stack], blueprints[stack].autoscaling_groups
    vmss = one(graph, f"{T}:compute:VirtualMachineScaleSet")
    v = vmss.inputs
    profile = v["virtualMachineProfile"]
    assert v["orchestrationMode"] == "Flexible"
    assert v["sku"]["name"] == spec.instance_types[0]
    assert vmss.ignore_changes == ("sku.capacity",)
    assert (profile["priority"], profile["evictionPolicy"], profile["billingProfile"]) == (
        "Spot",
        "Delete",
        {"maxPrice": -1},
    )
    assert v["priorityMixPolicy"] == {
        "baseRegularPriorityCount": spec.on_demand_base_capacity,
        "regularPriorityPercentageAboveBase": 100 - spec.spot_percentage,
    }
    for nic in profile["networkProfile"]["networkInterfaceConfigurations"]:
        for ip in nic["ipConfigurations"]:
            assert "publicIPAddressConfiguration" not in ip
            assert ip["subnet"]["id"] == one(graph, f"{T}:network:Subnet").id
    disk = profile["storageProfile"]["osDisk"]
    assert disk["managedDisk"]["diskEncryptionSet"] == {"id": one(graph, f"{T}:compute:DiskEncryptionSet").id}
    assert disk["diskSizeGB"] == spec.disk_size_gib
    linux = profile["osProfile"]["linuxConfiguration"]
    assert linux["disablePasswordAuthentication"] is True
    assert [k["keyData"] for k in linux["ssh"]["publicKeys"]] == [ssh.lockbox_public_key()]
    assert "adminPassword" not in profile["osProfile"]
    assert profile["securityProfile"]["securityType"] == "TrustedLaunch"
    identity = child(graph, spec.name, f"{T}:managedidentity:UserAssignedIdentity")
    assert v["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity.id]}
    des_grant = next(a for a in assignments(graph) if a.name == "platform-des-key")
    assert wait_between(graph, vmss, des_grant).inputs == {
        "createDuration": "10m",
        "triggers": {"grant0": des_grant.id},
    }

    autoscale = one(graph, f"{T}:monitor:AutoscaleSetting").inputs
    assert autoscale["enabled"] is True and autoscale["targetResourceUri"] == vmss.id
    [profile_] = autoscale["profiles"]
    assert profile_["capacity"] == {
        "minimum": str(spec.min_size),
        "maximum": str(spec.max_size),
        "default": str(spec.min_size),
    }
    rules = {r["scaleAction"]["direction"]: r for r in profile_["rules"]}
    assert set(rules) == {"Increase", "Decrease"}
    out, in_ = rules["Increase"]["metricTrigger"], rules["Decrease"]["metricTrigger"]
    assert (out["metricName"], out["operator"], out["threshold"]) == (
        "Percentage CPU",
        "GreaterThan",
        spec.target_cpu_utilization,
    )
    assert (in_["metricName"], in_["operator"], in_["threshold"]) == (
        "Percentage CPU",
        "LessThan",
        spec.target_cpu_utilization - 30,
    )
    assert out["metricResourceUri"] == in_["metricResourceUri"] == vmss.id


# Written out by hand: the outbound rules of a group's NIC security group under `egress: web`.
EGRESS_WEB_RULES = [
    {
        "name": "allow-web-out",
        "description": "HTTP and HTTPS to anywhere: cloud APIs, registries, package mirrors",
        "priority": 100,
        "direction": "Outbound",
        "access": "Allow",
        "protocol": "Tcp",
        "sourceAddressPrefix": "*",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRanges": ["80", "443"],
    },
    {
        "name": "allow-vnet-out",
        "description": "anything inside the platform network",
        "priority": 110,
        "direction": "Outbound",
        "access": "Allow",
        "protocol": "*",
        "sourceAddressPrefix": "*",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "VirtualNetwork",
        "destinationPortRange": "*",
    },
    {
        "name": "deny-all-out",
        "description": "every other outbound connection",
        "priority": 4096,
        "direction": "Outbound",
        "access": "Deny",
        "protocol": "*",
        "sourceAddressPrefix": "*",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": "*",
    },
]


@pytest.mark.parametrize(("stack", "group"), [("azure-dev", "batch-cpu"), ("azure-prod", "data-prep")])
def test_scale_set_nics_allow_only_web_and_the_vnet_outbound(
    graphs: dict[str, ResourceGraph], stack: str, group: str
) -> None:
    graph = graphs[stack]
    nsg = child(graph, group, f"{T}:network:NetworkSecurityGroup")
    assert nsg.name == f"{group}-nsg"
    assert {k: v for k, v in nsg.inputs.items() if k != "tags"} == {
        "resourceGroupName": f"{stack}-rg",
        "location": "westeurope",
        "securityRules": EGRESS_WEB_RULES,
    }
    # No rule names Azure's platform service tags: DNS, IMDS and time stay reachable.
    prefixes = {r["destinationAddressPrefix"] for r in nsg.inputs["securityRules"]}
    assert not prefixes & {"AzurePlatformDNS", "AzurePlatformIMDS", "AzurePlatformLKM"}
    vmss = one(graph, f"{T}:compute:VirtualMachineScaleSet")
    [nic] = vmss.inputs["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]
    assert nic["networkSecurityGroup"] == {"id": nsg.id}
    assert nsg.urn in vmss.dependencies


@pytest.mark.parametrize("stack", STACKS)
def test_the_egress_group_is_on_the_scale_set_only_not_aks_or_the_subnet(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph = graphs[stack]
    [spec] = blueprints[stack].autoscaling_groups
    nsg = child(graph, spec.name, f"{T}:network:NetworkSecurityGroup")
    mentions = {r.type for r in graph.resources if nsg.id in json.dumps(r.inputs)}
    assert mentions == {f"{T}:compute:VirtualMachineScaleSet"}
    subnet = one(graph, f"{T}:network:Subnet")
    assert subnet.inputs["networkSecurityGroup"] == {
        "id": child(graph, "network", f"{T}:network:NetworkSecurityGroup").id
    }


@pytest.fixture(scope="module")
def egress_all_graph(tmp_path_factory: pytest.TempPathFactory) -> ResourceGraph:
    """azure-prod with `egress: all` on its scale set."""
    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.azure-prod.yaml").read_text(encoding="utf-8"))
    [group] = doc["config"]["ml-platform:blueprint"]["autoscalingGroups"]
    group["egress"] = "all"
    path = tmp_path_factory.mktemp("stacks") / "Pulumi.azure-egress-all.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    [result] = synthesize_stacks(ROOT, [path], jobs=1)
    if isinstance(result, SynthError):
        pytest.fail(str(result))
    return result


def test_egress_all_adds_no_security_group_to_the_scale_set(egress_all_graph: ResourceGraph) -> None:
    graph = egress_all_graph
    assert dict(Counter(r.type for r in graph.resources)) == {
        **EXPECTED_PROD,
        f"{T}:network:NetworkSecurityGroup": 1,  # the node subnet's only
    }
    assert child(graph, "network", f"{T}:network:NetworkSecurityGroup")
    vmss = one(graph, f"{T}:compute:VirtualMachineScaleSet")
    [nic] = vmss.inputs["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]
    assert "networkSecurityGroup" not in nic


def test_the_lockbox_ssh_key_is_a_valid_ed25519_key_nobody_holds() -> None:
    text = ssh.lockbox_public_key()
    kind, blob, comment = text.split()
    assert (kind, comment) == ("ssh-ed25519", "mlplat-no-ssh")
    raw = base64.b64decode(blob)
    assert raw[:4] == b"\x00\x00\x00\x0bssh-ed25519"[:4] and raw[4:15] == b"ssh-ed25519"
    point = ssh.decode(raw[-32:])
    assert point is not None and ssh.on_curve(point)
    assert ssh.multiply(point, ssh.ORDER) == (0, 1)  # in the prime-order subgroup, like real keys
    assert ssh.multiply(point, 8) != (0, 1)
    # It is a hashed point, not a multiple of the base point by a known scalar.
    base = ssh.decode((4 * pow(5, ssh.P - 2, ssh.P) % ssh.P).to_bytes(32, "little"))
    assert base is not None and point not in {ssh.multiply(base, k) for k in range(1, 64)}


# -- key vault, key, disk encryption set ---------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_vault_uses_rbac_purge_protection_maximum_soft_delete_and_a_prod_firewall(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    props = one(graph, f"{T}:keyvault:Vault").inputs["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enablePurgeProtection"] is True
    assert (props["enableSoftDelete"], props["softDeleteRetentionInDays"]) == (True, 90)
    assert "accessPolicies" not in props
    acls = props["networkAcls"]
    assert acls["bypass"] == "AzureServices"
    if bp.is_prod:
        assert acls["defaultAction"] == "Deny"
        assert acls["virtualNetworkRules"] == [{"id": one(graph, f"{T}:network:Subnet").id}]
    else:
        assert acls["defaultAction"] == "Allow"


@pytest.mark.parametrize("stack", STACKS)
def test_key_rotates_on_the_blueprint_schedule_and_disks_follow_it(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    key = one(graph, f"{T}:keyvault:Key")
    props = key.inputs["properties"]
    assert props["kty"] == "RSA" and props["keySize"] >= 3072
    assert props["rotationPolicy"] == {
        "lifetimeActions": [
            {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": f"P{bp.encryption.rotation_days}D"}}
        ],
        "attributes": {"expiryTime": f"P{bp.encryption.rotation_days + 30}D"},
    }
    assert key.inputs["vaultName"] == one(graph, f"{T}:keyvault:Vault").outputs["name"]
    des = one(graph, f"{T}:compute:DiskEncryptionSet")
    assert des.inputs["rotationToLatestKeyVersionEnabled"] is True
    assert des.inputs["activeKey"] == {
        "keyUrl": key.outputs["keyUriWithVersion"],
        "sourceVault": {"id": one(graph, f"{T}:keyvault:Vault").id},
    }
    assert des.inputs["encryptionType"] == "EncryptionAtRestWithCustomerKey"


# -- network -------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_only_public_ip_is_the_nat_gateways_and_nodes_have_none(
    graphs: dict[str, ResourceGraph], stack: str
) -> None:
    graph = graphs[stack]
    ip = one(graph, f"{T}:network:PublicIPAddress")
    nat = one(graph, f"{T}:network:NatGateway")
    assert nat.inputs["publicIpAddresses"] == [{"id": ip.id}]
    assert ip.inputs["sku"] == {"name": "Standard", "tier": "Regional"}
    subnet = one(graph, f"{T}:network:Subnet").inputs
    assert subnet["natGateway"] == {"id": nat.id}
    assert subnet["defaultOutboundAccess"] is False
    subnet_nsg = child(graph, "network", f"{T}:network:NetworkSecurityGroup")
    assert subnet["networkSecurityGroup"] == {"id": subnet_nsg.id}
    assert {s["service"] for s in subnet["serviceEndpoints"]} == {"Microsoft.Storage", "Microsoft.KeyVault"}
    assert subnet["addressPrefix"] == "10.0.0.0/17"
    assert not subnet_nsg.inputs.get("securityRules")  # shared with AKS: Azure's defaults only
    for pool in of_type(graph, f"{T}:containerservice:AgentPool"):
        assert pool.inputs["enableNodePublicIP"] is False


# -- budget, tags, protection --------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_budget_alerts_follow_the_blueprint_and_cover_the_node_group(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    budget = one(graph, f"{T}:consumption:Budget")
    b = budget.inputs
    assert (b["amount"], b["category"], b["timeGrain"]) == (bp.budget.monthly_limit_usd, "Cost", "Monthly")
    assert b["scope"] == f"/subscriptions/{SUBSCRIPTION}"
    node_group = one(graph, f"{T}:containerservice:ManagedCluster").inputs["nodeResourceGroup"]
    assert b["filter"] == {
        "dimensions": {"name": "ResourceGroupName", "operator": "In", "values": [f"{stack}-rg", node_group]}
    }
    assert re.fullmatch(r"\d{4}-\d{2}-01T00:00:00Z", b["timePeriod"]["startDate"])
    assert budget.ignore_changes == ("timePeriod",)
    got = sorted((n["thresholdType"], n["threshold"]) for n in b["notifications"].values())
    want = sorted(("Actual" if a.type == "actual" else "Forecasted", a.threshold_percent) for a in bp.budget.alerts)
    assert got == want
    assert ("Forecasted", 100) in got
    for n in b["notifications"].values():
        assert n["enabled"] is True and n["operator"] == "GreaterThan"
        assert n["contactEmails"] == list(bp.budget.contacts)
        assert n["contactGroups"] == [one(graph, f"{T}:monitor:ActionGroup").outputs["id"]]


def _assert_stack_action_group(graph: ResourceGraph, contacts: tuple[str, ...], group: str, stack: str) -> None:
    """One action group in the stack's resource group, location `global`, enabled, a short
    name of at most 12 characters, one email receiver per contact with the common alert
    schema; every budget notification sends to it by id
    (https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups)."""
    action_group = one(graph, f"{T}:monitor:ActionGroup")
    assert action_group.parent == one(graph, "mlplat:azure:NotificationChannel").urn
    a = action_group.inputs
    assert (a["resourceGroupName"], a["location"], a["enabled"]) == (group, "global", True)
    assert 0 < len(a["groupShortName"]) <= 12
    assert a["groupShortName"] == naming.action_group_short_name(stack)
    assert [r["emailAddress"] for r in a["emailReceivers"]] == list(contacts)
    assert all(r["useCommonAlertSchema"] is True for r in a["emailReceivers"])
    assert len({r["name"] for r in a["emailReceivers"]}) == len(contacts)  # unique within the group
    rid = action_group.outputs["id"]
    assert re.fullmatch(
        rf"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft\.Insights/actionGroups/[^/]+", rid
    ), rid
    for n in one(graph, f"{T}:consumption:Budget").inputs["notifications"].values():
        assert n["contactGroups"] == [rid]


@pytest.mark.parametrize("stack", STACKS)
def test_one_action_group_with_a_receiver_per_monitoring_contact(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    bp = blueprints[stack]
    assert bp.monitoring.contacts == bp.budget.contacts  # the shipped stacks name no monitoring contacts
    _assert_stack_action_group(graphs[stack], bp.monitoring.contacts, f"{stack}-rg", stack)


def test_monitoring_contacts_override_the_budgets_for_the_action_group(existing_graph: ResourceGraph) -> None:
    _assert_stack_action_group(existing_graph, MONITORING_CONTACTS, "shared-ml", "azure-existing")
    for n in one(existing_graph, f"{T}:consumption:Budget").inputs["notifications"].values():
        assert n["contactEmails"] == ["ml-platform@example.com"]  # the budget still mails its own


def test_action_group_short_names_fit_azure() -> None:
    assert naming.action_group_short_name("azure-prod") == "azure-prod"
    assert naming.action_group_short_name("a-very-long-stack-name") == "a-very-long"
    assert naming.action_group_short_name("abcdefghijk-x") == "abcdefghijk"


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_resource_has_the_cost_tags(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    taggable = [r for r in graph.resources if r.custom and "tags" in resource_parameters(r.type)]
    # The SDK introspection finds exactly the Azure types that take tags (not subnets, role
    # assignments, locks, credentials, blob services/containers, policies, budgets).
    assert {r.type.split(":", 1)[1] for r in taggable} == {
        "resources:ResourceGroup",
        "network:VirtualNetwork",
        "network:NetworkSecurityGroup",
        "network:PublicIPAddress",
        "network:NatGateway",
        "keyvault:Vault",
        "keyvault:Key",
        "compute:DiskEncryptionSet",
        "compute:VirtualMachineScaleSet",
        "managedidentity:UserAssignedIdentity",
        "containerservice:ManagedCluster",
        "containerservice:AgentPool",
        "operationalinsights:Workspace",
        "monitor:DataCollectionRule",
        "monitor:AutoscaleSetting",
        "monitor:ActionGroup",
        "storage:StorageAccount",
    }
    assert len(taggable) == (26 if bp.is_prod else 25)  # one more GPU pool in prod; + the action group
    for r in taggable:
        tags = r.inputs["tags"]
        assert set(REQUIRED_TAG_KEYS) <= set(tags), r.urn
        assert (tags["owner"], tags["cost-center"], tags["environment"]) == (
            bp.owner,
            bp.cost_center,
            bp.environment,
        )
        assert tags["ml-platform-stack"] == stack
        for key, value in bp.tags.items():
            assert tags[key] == value


def test_prod_data_is_protected_and_locked_dev_data_is_not(graphs: dict[str, ResourceGraph]) -> None:
    data_types = (
        f"{T}:storage:StorageAccount",
        f"{T}:storage:BlobContainer",
        f"{T}:keyvault:Vault",
        f"{T}:keyvault:Key",
    )
    for stack, expected in (("azure-prod", True), ("azure-dev", False)):
        graph = graphs[stack]
        data = [r for t in data_types for r in of_type(graph, t)]
        assert len(data) == 8  # 3 accounts, 3 containers, the vault, the key
        assert {(r.protect, r.retain_on_delete) for r in data} == {(expected, expected)}, stack
        locks = of_type(graph, f"{T}:authorization:ManagementLockByScope")
        locked = {r.inputs["scope"] for r in locks}
        if expected:
            assert {r.inputs["level"] for r in locks} == {"CanNotDelete"}
            assert locked == {r.id for r in data if r.type in (f"{T}:storage:StorageAccount", f"{T}:keyvault:Vault")}
        else:
            assert not locks


# -- naming --------------------------------------------------------------------------------


def test_agent_pool_names_fit_aks_and_never_collide(blueprints: dict[str, Blueprint]) -> None:
    assert naming.agent_pool_name("dev-gpu") == "devgpu"
    long_a, long_b = naming.agent_pool_name("inference-large-a"), naming.agent_pool_name("inference-large-b")
    assert len(long_a) == len(long_b) == 12 and long_a != long_b
    assert all(re.fullmatch(r"[a-z][a-z0-9]{0,11}", n) for n in (long_a, long_b))
    bp = blueprints["azure-dev"]
    first = bp.gpu_pools[0]
    clash = dataclasses.replace(
        bp, gpu_pools=(dataclasses.replace(first, name="dev-gpu"), dataclasses.replace(first, name="devgpu"))
    )
    with pytest.raises(ValueError, match="'devgpu'"):
        agent_pool_names(clash)
    reserved = dataclasses.replace(bp, gpu_pools=(dataclasses.replace(first, name="system"),))
    with pytest.raises(ValueError, match="system pool"):
        agent_pool_names(reserved)


def test_more_budget_alerts_than_azure_allows_are_refused(blueprints: dict[str, Blueprint]) -> None:
    budget = blueprints["azure-dev"].budget
    check_alert_count(budget)  # the shipped four
    six = tuple(BudgetAlert(threshold_percent=p, type="actual") for p in (10, 20, 30, 40, 50, 60))
    with pytest.raises(ValueError, match="at most 5 notifications, got 6"):
        check_alert_count(dataclasses.replace(budget, alerts=six))


EXISTING_VNET = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub"
EXISTING_SUBNET = f"{EXISTING_VNET}/subnets/aks-nodes"


MONITORING_CONTACTS = ("oncall@example.com", "gpu-team@example.com")


@pytest.fixture(scope="module")
def existing_graph(tmp_path_factory: pytest.TempPathFactory) -> ResourceGraph:
    """azure-dev deployed into an existing resource group and network, with monitoring
    contacts of its own."""
    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.azure-dev.yaml").read_text(encoding="utf-8"))
    blueprint = doc["config"]["ml-platform:blueprint"]
    blueprint["azure"]["resourceGroup"] = "shared-ml"
    blueprint["network"] = {"existingNetworkId": EXISTING_VNET, "existingSubnetIds": [EXISTING_SUBNET]}
    blueprint["monitoring"] = {"contacts": list(MONITORING_CONTACTS)}
    path = tmp_path_factory.mktemp("stacks") / "Pulumi.azure-existing.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    [result] = synthesize_stacks(ROOT, [path], jobs=1)
    if isinstance(result, SynthError):
        pytest.fail(str(result))
    return result


def test_an_existing_group_and_network_are_used_untouched(existing_graph: ResourceGraph) -> None:
    graph = existing_graph
    types = Counter(r.type for r in graph.resources)
    for created in ("resources:ResourceGroup", "network:VirtualNetwork", "network:Subnet", "network:NatGateway"):
        assert types[f"{T}:{created}"] == 0, created
    assert not of_type(graph, f"{T}:network:PublicIPAddress")
    # The only security group is batch-cpu's own, on its NICs: the existing subnet's is not touched.
    [nsg] = of_type(graph, f"{T}:network:NetworkSecurityGroup")
    assert nsg.urn == child(graph, "batch-cpu", f"{T}:network:NetworkSecurityGroup").urn
    assert nsg.inputs["securityRules"] == EGRESS_WEB_RULES
    for r in graph.resources:
        if "resourceGroupName" in r.inputs:
            assert r.inputs["resourceGroupName"] == "shared-ml", r.urn
    aks = one(graph, f"{T}:containerservice:ManagedCluster").inputs
    assert aks["agentPoolProfiles"][0]["vnetSubnetID"] == EXISTING_SUBNET
    assert aks["networkProfile"]["outboundType"] == "loadBalancer"  # we cannot see the network's egress
    assert aks["nodeResourceGroup"] == "shared-ml-aks-nodes"
    network_role = next(a for a in assignments(graph) if role_guid(a) == NETWORK_CONTRIBUTOR)
    assert network_role.inputs["scope"] == EXISTING_VNET
    budget = one(graph, f"{T}:consumption:Budget").inputs
    assert budget["filter"]["dimensions"]["values"] == ["shared-ml", "shared-ml-aks-nodes"]


def test_confidential_storage_logs_blob_access_to_the_workspace(graphs) -> None:  # type: ignore[no-untyped-def]
    prod, dev = graphs["azure-prod"], graphs["azure-dev"]
    workspace = one(prod, f"{T}:operationalinsights:Workspace")
    accounts = {r.name.removesuffix("-account"): r for r in prod.resources if r.type == f"{T}:storage:StorageAccount"}
    logs = {
        r.name.removesuffix("-access-logs"): r.inputs
        for r in prod.resources
        if r.type == f"{T}:monitor:DiagnosticSetting" and r.name.endswith("-access-logs")
    }
    assert set(logs) == set(accounts)
    for bucket, setting in logs.items():
        assert setting["resourceUri"] == f"{accounts[bucket].id}/blobServices/default"
        assert setting["workspaceId"] == workspace.id
        assert {log["category"] for log in setting["logs"] if log["enabled"]} == {
            "StorageRead",
            "StorageWrite",
            "StorageDelete",
        }
    # azure-dev holds internal data only: no access logs
    assert not [
        r for r in dev.resources if r.type == f"{T}:monitor:DiagnosticSetting" and r.name.endswith("-access-logs")
    ]


# -- planned maintenance --------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_upgrades_and_node_images_wait_for_the_blueprint_window(
    graphs: dict[str, ResourceGraph], blueprints: dict[str, Blueprint], stack: str
) -> None:
    graph, bp = graphs[stack], blueprints[stack]
    aks = one(graph, f"{T}:containerservice:ManagedCluster")
    configs = of_type(graph, f"{T}:containerservice:MaintenanceConfiguration")
    m = bp.cluster.maintenance
    window: dict[str, Any] = {
        "schedule": {"weekly": {"dayOfWeek": m.day, "intervalWeeks": 1}},
        "startTime": m.start_time_utc,
        "durationHours": m.duration_hours,
        "utcOffset": "+00:00",
    }
    if m.blackouts:
        window["notAllowedDates"] = [{"start": b.start, "end": b.end} for b in m.blackouts]
    assert sorted((c.name, c.inputs["configName"]) for c in configs) == [
        ("cluster-aksManagedAutoUpgradeSchedule", "aksManagedAutoUpgradeSchedule"),
        ("cluster-aksManagedNodeOSUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"),
    ]
    for c in configs:
        assert c.inputs == {
            "resourceGroupName": f"{stack}-rg",
            "resourceName": aks.outputs["name"],
            "configName": c.inputs["configName"],
            "maintenanceWindow": window,
        }
        assert c.id == f"{aks.id}/maintenanceConfigurations/{c.inputs['configName']}"


def test_prod_example_freezes_upgrades_over_year_end(blueprints: dict[str, Blueprint]) -> None:
    m = blueprints["azure-prod"].cluster.maintenance
    assert (m.day, m.start_time_utc, m.duration_hours) == ("Sunday", "01:00", 8)
    assert [(b.name, b.start, b.end) for b in m.blackouts] == [("year-end-freeze", "2026-12-19", "2027-01-04")]
    assert blueprints["azure-dev"].cluster.maintenance == Maintenance()  # Saturdays 22:00 UTC, 12 hours


def test_windows_and_blackouts_aks_refuses_are_refused() -> None:
    check_maintenance(Maintenance(duration_hours=4))
    check_maintenance(
        Maintenance(duration_hours=24, blackouts=(Blackout(name="x", start="2027-01-01", end="2027-01-01"),))
    )
    with pytest.raises(ValueError, match=r"cluster.maintenance.durationHours must be 4 to 24 on AKS \(got 3\)"):
        check_maintenance(Maintenance(duration_hours=3))
    with pytest.raises(ValueError, match=r"durationHours must be 4 to 24 on AKS \(got 25\)"):
        check_maintenance(Maintenance(duration_hours=25))
    with pytest.raises(ValueError, match=r"blackouts\[0\].end \(2027-01-01\) must be on or after start \(2027-01-02\)"):
        check_maintenance(Maintenance(blackouts=(Blackout(name="x", start="2027-01-02", end="2027-01-01"),)))
    with pytest.raises(ValueError, match=r"blackouts\[0\]: start and end must be dates YYYY-MM-DD"):
        check_maintenance(Maintenance(blackouts=(Blackout(name="x", start="2027-02-30", end="2027-03-01"),)))


def test_archive_on_a_zone_redundant_account_is_refused(blueprints: dict[str, Blueprint]) -> None:
    bucket = blueprints["azure-dev"].bucket("datasets")
    assert [t.storage_class for t in bucket.tiers][-1] == "archive"
    check_tier_redundancy(0, bucket, zone_redundant=False)  # LRS holds archive
    with pytest.raises(
        ValueError, match=r"buckets\[2\].tiers\[1\].class: 'archive' \(Azure Archive\) is not supported on Standard_ZRS"
    ):
        check_tier_redundancy(2, bucket, zone_redundant=True)
    for spec in blueprints["azure-prod"].buckets:  # the prod example moves datasets to cold instead
        check_tier_redundancy(0, spec, zone_redundant=True)


def test_vm_group_buckets_are_granted_to_the_groups_identity(graphs, blueprints) -> None:  # type: ignore[no-untyped-def]
    """`autoscalingGroups[].buckets` on Azure: Storage Blob Data Contributor (readwrite) or
    Reader (read) for the scale set's user-assigned identity, scoped to the bucket's container."""
    graph, spec = graphs["azure-prod"], blueprints["azure-prod"].autoscaling_groups[0]
    assert spec.buckets == {"datasets": "readwrite"}
    identity = child(graph, "data-prep", "azure-native:managedidentity:UserAssignedIdentity")
    grants = [
        r
        for r in of_type(graph, "azure-native:authorization:RoleAssignment")
        if r.inputs["principalId"] == identity.outputs["principalId"]
    ]
    assert [g.name for g in grants] == ["data-prep-datasets-readwrite"]
    assert grants[0].inputs["roleDefinitionId"].endswith("/ba92f5b4-2d11-453d-a403-e96b0029c9fe")
    container = child(graph, "datasets", "azure-native:storage:BlobContainer")
    assert grants[0].inputs["scope"] == container.id
