"""The built-in Azure roles the platform assigns, in one place, by the GUIDs Microsoft documents
for them (the same in every tenant; see "Azure built-in roles" on learn.microsoft.com), and the
one helper that creates a role assignment.

Every identity gets the narrowest built-in role at the narrowest scope (a blob container, a
key, a VNet, a disk encryption set). Owner, Contributor and the roles that administer access
are refused outright: nothing here can hand out broad control, whatever a caller asks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization


@dataclass(frozen=True)
class BuiltInRole:
    name: str
    guid: str

    def definition_id(self, subscription_id: str) -> str:
        return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{self.guid}"


# Data access, granted to workload identities by TieredBucket.grant_read / grant_write.
STORAGE_BLOB_DATA_READER = BuiltInRole("Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")
STORAGE_BLOB_DATA_CONTRIBUTOR = BuiltInRole("Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe")
# Services encrypting at rest: keys/read, wrap and unwrap only. (Applications get a custom role
# from iam.py: the built-in "Key Vault Crypto User" also grants keys/update, backup and sign.)
KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = BuiltInRole(
    "Key Vault Crypto Service Encryption User", "e147488a-f6f5-4113-8e2d-b22465e65bf6"
)
# The AKS control-plane identity: join the node subnet, read the disk encryption set.
NETWORK_CONTRIBUTOR = BuiltInRole("Network Contributor", "4d97b98b-1d4f-4787-a291-c67834d212e7")
READER = BuiltInRole("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7")
# Kubernetes access through Entra ID (local accounts are disabled).
AKS_RBAC_CLUSTER_ADMIN = BuiltInRole(
    "Azure Kubernetes Service RBAC Cluster Admin", "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"
)


@dataclass(frozen=True)
class CustomRole:
    """A role the platform defines itself (iam.py), by a GUID derived from where it lives, so
    it is the same on every run and assignments can name it before Azure has replicated it."""

    name: str
    guid: str
    data_actions: tuple[str, ...]

    def definition_id(self, subscription_id: str) -> str:
        return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{self.guid}"


# Key use by applications (`keyAccess`), as data actions of a custom role on the one key: what
# encrypting and decrypting need and nothing else. "Key Vault Crypto User", the nearest
# built-in role, also holds keys/update/action (a holder could disable or expire the key that
# wraps every storage account and disk), keys/backup/action, sign and verify; the built-in
# roles page lists each role's data actions
# (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security).
# keys/read lets SDK clients fetch the key's public half, which encryption with an RSA key
# needs anyway ("can be performed by principals with read access").
_KEY = "Microsoft.KeyVault/vaults/keys"
KEY_USE_DATA_ACTIONS: dict[str, tuple[str, ...]] = {
    "decrypt": (f"{_KEY}/read", f"{_KEY}/decrypt/action", f"{_KEY}/unwrap/action"),
    "encrypt-decrypt": (
        f"{_KEY}/read",
        f"{_KEY}/encrypt/action",
        f"{_KEY}/decrypt/action",
        f"{_KEY}/wrap/action",
        f"{_KEY}/unwrap/action",
    ),
}


def key_use_role(access: str, *, subscription_id: str, project: str, stack: str, key: str) -> CustomRole:
    """The custom role for `keyAccess: access` on one stack's key. Role names are unique in
    the tenant, so the name carries the GUID's first block."""
    guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"mlplat:{subscription_id}/{project}/{stack}/{key}/key-{access}"))
    return CustomRole(name=f"mlplat key {access} {guid[:8]}", guid=guid, data_actions=KEY_USE_DATA_ACTIONS[access])


# First-party apps a person signs in through; any other client is a service principal or a
# managed identity (CI with a secret or OIDC federation, a VM's identity).
USER_SIGN_IN_APPS = frozenset(
    {
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",  # Azure CLI
        "1950a258-227b-4e31-a9cf-717495945fc2",  # Azure PowerShell
    }
)

FORBIDDEN = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
}


def deployer_principal_type(client_id: str) -> authorization.PrincipalType:
    """Azure checks a role assignment's principal type against the principal: a person
    deploying from a laptop is a User, CI a ServicePrincipal."""
    if client_id in USER_SIGN_IN_APPS:
        return authorization.PrincipalType.USER
    return authorization.PrincipalType.SERVICE_PRINCIPAL


def assign_role(
    name: str,
    *,
    role: BuiltInRole | CustomRole,
    scope: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    subscription_id: str,
    description: str,
    parent: pulumi.Resource,
    principal_type: authorization.PrincipalType = authorization.PrincipalType.SERVICE_PRINCIPAL,
    depends_on: Sequence[pulumi.Resource] = (),
) -> authorization.RoleAssignment:
    """`role` for `principal_id` on `scope` (a resource id). Managed identities are service
    principals; stating it lets Azure accept a freshly created identity before Entra ID has
    replicated it."""
    if role.guid in FORBIDDEN:
        raise ValueError(f"{name}: the {FORBIDDEN[role.guid]} role is never assigned; use a narrower built-in role")
    return authorization.RoleAssignment(
        name,
        authorization.RoleAssignmentArgs(
            principal_id=principal_id,
            principal_type=principal_type,
            role_definition_id=role.definition_id(subscription_id),
            scope=scope,
            description=description,
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
