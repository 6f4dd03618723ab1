"""What Azure requires on the first `pulumi up` and mocks cannot see, held over every Azure
case (the shipped stacks and every preset x region x environment): one test per constraint,
each citing where the constraint is written down."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest

from blueprint.catalog import Cloud
from blueprint.engine.model import ResourceRecord
from tests.realcloud.conftest import Case

T = "azure-native"
SLEEP = "time:index/sleep:Sleep"
ROLE_ASSIGNMENT = f"{T}:authorization:RoleAssignment"
ROLE_DEFINITION = f"{T}:authorization:RoleDefinition"
CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
NO_ARCHIVE_SKUS = {"Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"}


@pytest.fixture(scope="module")
def cases(realcloud_cases: Callable[[Cloud], list[Case]]) -> list[Case]:
    found = realcloud_cases("azure")
    assert len(found) > 2
    return found


def minutes(duration: str) -> float:
    """A Go duration as the time provider takes it (`90s`, `10m`, `1h30m`), in minutes."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * {"h": 60, "m": 1, "s": 1 / 60}[u] for n, u in parts)


def role_guid(assignment: ResourceRecord) -> str:
    return str(assignment.inputs["roleDefinitionId"]).rsplit("/", 1)[-1]


def sleeps_before(case: Case, consumer: ResourceRecord) -> list[ResourceRecord]:
    urns = case.by_urn()
    return [urns[u] for u in consumer.dependencies if urns[u].type == SLEEP]


def waits_for(case: Case, consumer: ResourceRecord, grant: ResourceRecord, at_least_minutes: float) -> bool:
    """consumer -> sleep -> grant, the sleep long enough and re-run when the grant changes."""
    return any(
        grant.urn in s.dependencies
        and minutes(s.inputs["createDuration"]) >= at_least_minutes
        and grant.outputs["id"] in s.inputs["triggers"].values()
        for s in sleeps_before(case, consumer)
    )


def one(case: Case, type_token: str) -> ResourceRecord:
    [found] = case.of_type(type_token)
    return found


def grants_to(case: Case, principal_id: str) -> list[ResourceRecord]:
    return [a for a in case.of_type(ROLE_ASSIGNMENT) if a.inputs["principalId"] == principal_id]


def identity_principal(case: Case, identity_id: str) -> str:
    [identity] = [
        r for r in case.of_type(f"{T}:managedidentity:UserAssignedIdentity") if r.outputs["id"] == identity_id
    ]
    return str(identity.outputs["principalId"])


def test_no_archive_rule_on_a_zrs_or_gzrs_account(cases: list[Case]) -> None:
    """Archive is supported on LRS, GRS and RA-GRS accounts only: "The archive tier isn't
    supported for ZRS, GZRS, or RA-GZRS accounts" and the lifecycle policy that moves blobs
    there is rejected (https://learn.microsoft.com/azure/storage/blobs/access-tiers-overview;
    https://github.com/hashicorp/terraform-provider-azurerm/issues/6031). Cold supports every
    redundancy (same page), so it is not restricted."""
    zone_redundant = 0
    for case in cases:
        accounts = {a.outputs["name"]: a for a in case.of_type(f"{T}:storage:StorageAccount")}
        for policy in case.of_type(f"{T}:storage:ManagementPolicy"):
            sku = accounts[policy.inputs["accountName"]].inputs["sku"]["name"]
            if sku not in NO_ARCHIVE_SKUS:
                continue
            zone_redundant += 1
            for rule in policy.inputs["policy"]["rules"]:
                for target, actions in rule["definition"]["actions"].items():
                    assert "tierToArchive" not in actions, (case.name, policy.name, target)
    assert zone_redundant  # prod stacks are zone-redundant: the constraint is exercised


def test_storage_accounts_wait_for_their_key_grant_to_propagate(cases: list[Case]) -> None:
    """A storage account with a customer-managed key unwraps it through its identity when it is
    created; Key Vault RBAC takes "up to 10 minutes (600 seconds) after role assignments is
    changed for role to be applied" (https://learn.microsoft.com/azure/key-vault/general/rbac-guide,
    Known limits and performance). So: account -> sleep (>= 10 min) -> the identity's grant."""
    for case in cases:
        key = one(case, f"{T}:keyvault:Key")
        for account in case.of_type(f"{T}:storage:StorageAccount"):
            identity_id = account.inputs["encryption"]["encryptionIdentity"]["encryptionUserAssignedIdentity"]
            [grant] = [
                a
                for a in grants_to(case, identity_principal(case, identity_id))
                if a.inputs["scope"] == key.outputs["id"] and role_guid(a) == CRYPTO_SERVICE_ENCRYPTION_USER
            ]
            assert waits_for(case, account, grant, 10), (case.name, account.name)


def test_disk_encryption_set_users_wait_for_the_sets_key_grant_to_propagate(cases: list[Case]) -> None:
    """The disk encryption set's identity reaches the key when the first disk is created (AKS
    nodes, scale-set VMs); its grant is Key Vault RBAC, up to 10 minutes to apply
    (https://learn.microsoft.com/azure/key-vault/general/rbac-guide). So: cluster and every scale
    set -> sleep (>= 10 min) -> the set's grant."""
    for case in cases:
        des = one(case, f"{T}:compute:DiskEncryptionSet")
        [grant] = grants_to(case, des.outputs["identity"]["principalId"])
        consumers = [one(case, f"{T}:containerservice:ManagedCluster")]
        consumers += case.of_type(f"{T}:compute:VirtualMachineScaleSet")
        for consumer in consumers:
            assert waits_for(case, consumer, grant, 10), (case.name, consumer.name)


def test_cluster_waits_for_its_identity_grants_to_propagate(cases: list[Case]) -> None:
    """AKS checks its control-plane identity's access to the subnet and the disk encryption set
    when it creates the cluster: "It may take up to 60 minutes for the permissions granted to
    your cluster's managed identity to populate" (https://learn.microsoft.com/azure/aks/use-managed-identity).
    So: cluster -> sleep (>= 60 min) -> each of the identity's grants."""
    for case in cases:
        aks = one(case, f"{T}:containerservice:ManagedCluster")
        [identity_id] = aks.inputs["identity"]["userAssignedIdentities"]
        grants = grants_to(case, identity_principal(case, identity_id))
        assert len(grants) == 2, case.name  # Network Contributor on the VNet, Reader on the set
        for grant in grants:
            assert waits_for(case, aks, grant, 60), (case.name, grant.name)


def test_key_access_role_has_no_update_delete_or_backup(cases: list[Case]) -> None:
    """`keyAccess` lets a pod encrypt or decrypt; the built-in "Key Vault Crypto User" would
    also let it update (disable, expire), back up and sign with the key that wraps every
    account and disk (its data actions on
    https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security). The
    grant is a custom role of read plus encrypt/decrypt/wrap/unwrap only, assignable in the
    platform's group, and assigned only after the definition has replicated (definitions are
    eventually consistent: https://github.com/hashicorp/terraform-provider-azurerm/issues/5038)."""
    allowed = {
        f"Microsoft.KeyVault/vaults/keys/{a}"
        for a in ("read", "encrypt/action", "decrypt/action", "wrap/action", "unwrap/action")
    }
    seen = 0
    for case in cases:
        key = one(case, f"{T}:keyvault:Key")
        definitions = {d.inputs["roleDefinitionId"]: d for d in case.of_type(ROLE_DEFINITION)}
        wrappers = {one(case, f"{T}:compute:DiskEncryptionSet").outputs["identity"]["principalId"]}
        for a in case.of_type(ROLE_ASSIGNMENT):
            if a.inputs["scope"] != key.outputs["id"] or a.inputs["principalId"] in wrappers:
                continue
            if role_guid(a) == CRYPTO_SERVICE_ENCRYPTION_USER:
                continue  # the storage encryption identity: read, wrap, unwrap (checked elsewhere)
            assert role_guid(a) != CRYPTO_USER, (case.name, a.name)
            definition = definitions[role_guid(a)]
            [permission] = definition.inputs["permissions"]
            assert set(permission["dataActions"]) <= allowed, (case.name, permission["dataActions"])
            assert "Microsoft.KeyVault/vaults/keys/decrypt/action" in permission["dataActions"]
            assert not permission["actions"] and not permission.get("notDataActions")
            group = "/".join(str(key.outputs["id"]).split("/")[:5])
            assert definition.inputs["assignableScopes"] == [group] == [definition.inputs["scope"]]
            assert waits_for(case, a, definition, 5), (case.name, a.name)
            seen += 1
    assert seen  # azure-prod's server has keyAccess: decrypt


def test_system_pool_carries_the_critical_addons_only_taint(cases: list[Case]) -> None:
    """System pools should run only critical add-ons: "Use the CriticalAddonsOnly=true:NoSchedule
    taint to prevent application pods from being scheduled on system node pools"
    (https://learn.microsoft.com/azure/aks/use-system-pools)."""
    for case in cases:
        aks = one(case, f"{T}:containerservice:ManagedCluster")
        [system] = [p for p in aks.inputs["agentPoolProfiles"] if p["mode"] == "System"]
        assert "CriticalAddonsOnly=true:NoSchedule" in system["nodeTaints"], case.name


def test_upgrades_run_only_in_the_blueprint_maintenance_window(cases: list[Case]) -> None:
    """Without planned maintenance AKS applies auto-upgrades and node images (which reimage
    every node, GPU nodes included) at any time. `aksManagedAutoUpgradeSchedule` and
    `aksManagedNodeOSUpgradeSchedule` schedule them; AKS takes 4 to 24 hour windows and
    notAllowedDates as `start`/`end` dates
    (https://learn.microsoft.com/azure/aks/planned-maintenance; MaintenanceWindow.durationHours
    "range from 4 to 24 hours" in the Microsoft.ContainerService API). No startDate: AKS
    refuses updates that send one in the past (https://github.com/MicrosoftDocs/azure-docs/issues/114302)."""
    for case in cases:
        aks = one(case, f"{T}:containerservice:ManagedCluster")
        m = case.blueprint.cluster.maintenance
        configs = {c.inputs["configName"]: c for c in case.of_type(f"{T}:containerservice:MaintenanceConfiguration")}
        assert set(configs) == {"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"}, case.name
        assert aks.inputs["autoUpgradeProfile"] == {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}
        for config in configs.values():
            assert config.inputs["resourceName"] == aks.outputs["name"]
            assert config.inputs["resourceGroupName"] == aks.inputs["resourceGroupName"]
            window = config.inputs["maintenanceWindow"]
            assert 4 <= window["durationHours"] <= 24
            assert window["schedule"] == {"weekly": {"dayOfWeek": m.day, "intervalWeeks": 1}}
            assert (window["startTime"], window["durationHours"], window["utcOffset"]) == (
                m.start_time_utc,
                m.duration_hours,
                "+00:00",
            )
            assert "startDate" not in window
            spans = window.get("notAllowedDates") or []
            assert [(s["start"], s["end"]) for s in spans] == [(b.start, b.end) for b in m.blackouts]
            for s in spans:
                assert date.fromisoformat(s["start"]) <= date.fromisoformat(s["end"])
