"""The platform's customer-managed key and everything that lets Azure services use it.

- Key Vault with Azure RBAC authorisation (no access policies), purge protection and the
  maximum 90-day soft delete; in prod its firewall denies everything but trusted Azure
  services and the node subnet, and a CanNotDelete management lock guards it.
- An RSA key rotated by Key Vault on the blueprint's schedule; new versions expire a month
  after the next rotation is due, so a stalled rotation shows up long before data is at risk.
- A user-assigned identity for storage accounts' customer-managed keys, and a disk encryption
  set (managed disks of AKS nodes and scale sets), each allowed only to wrap and unwrap with
  this key ("Key Vault Crypto Service Encryption User" on the key itself). Both follow new key
  versions automatically.
- A wait after each of those grants (`waits.py`): Key Vault RBAC takes up to 10 minutes to
  apply, and a storage account or a disk created before then cannot reach the key. Consumers
  depend on `storage_ready` / `disks_ready`, which are the waits, not the grants.

Keys are created through ARM (the management plane), so the deployer needs no data-plane role
on the vault."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, compute, keyvault, managedidentity

from components.azure import roles, waits
from components.azure.placement import Placement

SOFT_DELETE_DAYS = 90  # the maximum Key Vault allows
KEY_SIZE_BITS = 3072
EXPIRY_MARGIN_DAYS = 30


@dataclass(frozen=True, kw_only=True)
class EncryptionKeyArgs:
    placement: Placement
    tenant_id: str
    rotation_days: int
    restrict_network: bool  # prod: deny all but trusted services and the node subnet
    allowed_subnet_ids: tuple[pulumi.Input[str], ...] = ()
    lock: bool = False  # a CanNotDelete management lock on the vault


def rotation_policy(rotation_days: int) -> keyvault.RotationPolicyArgs:
    return keyvault.RotationPolicyArgs(
        attributes=keyvault.KeyRotationPolicyAttributesArgs(expiry_time=f"P{rotation_days + EXPIRY_MARGIN_DAYS}D"),
        lifetime_actions=[
            keyvault.LifetimeActionArgs(
                action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.ROTATE),
                trigger=keyvault.TriggerArgs(time_after_create=f"P{rotation_days}D"),
            )
        ],
    )


def network_acls(restrict: bool, subnet_ids: tuple[pulumi.Input[str], ...]) -> keyvault.NetworkRuleSetArgs:
    if not restrict:
        return keyvault.NetworkRuleSetArgs(
            default_action=keyvault.NetworkRuleAction.ALLOW, bypass=keyvault.NetworkRuleBypassOptions.AZURE_SERVICES
        )
    return keyvault.NetworkRuleSetArgs(
        default_action=keyvault.NetworkRuleAction.DENY,
        bypass=keyvault.NetworkRuleBypassOptions.AZURE_SERVICES,  # storage and disk encryption sets
        virtual_network_rules=[keyvault.VirtualNetworkRuleArgs(id=s) for s in subnet_ids],
    )


class EncryptionKey(pulumi.ComponentResource):
    vault: keyvault.Vault
    key: keyvault.Key
    encryption_identity: managedidentity.UserAssignedIdentity
    vault_uri: pulumi.Output[str]
    key_name: pulumi.Output[str]
    key_id: pulumi.Output[str]  # the ARM id: the scope for role assignments on this key
    key_uri: pulumi.Output[str]  # versionless: users follow rotation
    encryption_identity_id: pulumi.Output[str]
    disk_encryption_set_id: pulumi.Output[str]
    storage_ready: list[pulumi.Resource]  # depend on these before using the encryption identity
    disks_ready: list[pulumi.Resource]  # ... and these before creating disks with the set
    storage_grant: authorization.RoleAssignment
    disk_grant: authorization.RoleAssignment

    def __init__(self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:azure:EncryptionKey", name, None, opts)
        where = args.placement
        child = pulumi.ResourceOptions(parent=self)
        self.vault = keyvault.Vault(
            f"{name}-vault",
            keyvault.VaultArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                properties=keyvault.VaultPropertiesArgs(
                    tenant_id=args.tenant_id,
                    sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=keyvault.SkuName.STANDARD),
                    enable_rbac_authorization=True,
                    enable_purge_protection=True,
                    enable_soft_delete=True,
                    soft_delete_retention_in_days=SOFT_DELETE_DAYS,
                    enabled_for_deployment=False,
                    enabled_for_disk_encryption=False,
                    enabled_for_template_deployment=False,
                    public_network_access=keyvault.PublicNetworkAccess.ENABLED,  # narrowed by the firewall
                    network_acls=network_acls(args.restrict_network, args.allowed_subnet_ids),
                ),
            ),
            opts=child,
        )
        if args.lock:
            authorization.ManagementLockByScope(
                f"{name}-lock",
                authorization.ManagementLockByScopeArgs(
                    scope=self.vault.id,
                    level=authorization.LockLevel.CAN_NOT_DELETE,
                    notes="Holds the key that encrypts the platform's data; remove the lock deliberately.",
                ),
                opts=child,
            )
        self.key = keyvault.Key(
            f"{name}-key",
            keyvault.KeyArgs(
                resource_group_name=where.resource_group_name,
                vault_name=self.vault.name,
                properties=keyvault.KeyPropertiesArgs(
                    kty=keyvault.JsonWebKeyType.RSA,
                    key_size=KEY_SIZE_BITS,
                    key_ops=[
                        keyvault.JsonWebKeyOperation.ENCRYPT,
                        keyvault.JsonWebKeyOperation.DECRYPT,
                        keyvault.JsonWebKeyOperation.WRAP_KEY,
                        keyvault.JsonWebKeyOperation.UNWRAP_KEY,
                    ],
                    attributes=keyvault.KeyAttributesArgs(enabled=True, exportable=False),
                    rotation_policy=rotation_policy(args.rotation_days),
                ),
            ),
            opts=child,
        )
        self.encryption_identity = managedidentity.UserAssignedIdentity(
            f"{name}-encryption",
            managedidentity.UserAssignedIdentityArgs(
                resource_group_name=where.resource_group_name, location=where.location
            ),
            opts=child,
        )
        storage_access = roles.assign_role(
            f"{name}-encryption-key",
            role=roles.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
            scope=self.key.id,
            principal_id=self.encryption_identity.principal_id,
            subscription_id=where.subscription_id,
            description="Storage accounts wrap their account keys with the platform key",
            parent=self,
        )
        des = compute.DiskEncryptionSet(
            f"{name}-des",
            compute.DiskEncryptionSetArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                encryption_type=compute.DiskEncryptionSetType.ENCRYPTION_AT_REST_WITH_CUSTOMER_KEY,
                identity=compute.EncryptionSetIdentityArgs(type=compute.DiskEncryptionSetIdentityType.SYSTEM_ASSIGNED),
                active_key=compute.KeyForDiskEncryptionSetArgs(
                    key_url=self.key.key_uri_with_version,
                    source_vault=compute.SourceVaultArgs(id=self.vault.id),
                ),
                rotation_to_latest_key_version_enabled=True,
            ),
            # Azure moves the set to each new key version itself.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["activeKey.keyUrl"]),
        )
        disk_access = roles.assign_role(
            f"{name}-des-key",
            role=roles.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
            scope=self.key.id,
            principal_id=des.identity.apply(lambda i: i.principal_id if i else ""),
            subscription_id=where.subscription_id,
            description="Managed disks of AKS nodes and scale sets are encrypted with the platform key",
            parent=self,
        )
        self.vault_uri = self.vault.properties.apply(lambda p: p.vault_uri)
        self.key_name = self.key.name
        self.key_id = self.key.id
        self.key_uri = self.key.key_uri
        self.encryption_identity_id = self.encryption_identity.id
        self.disk_encryption_set_id = des.id
        self.storage_grant, self.disk_grant = storage_access, disk_access
        self.storage_ready = [
            waits.after(f"{name}-encryption-key-propagated", [storage_access], waits.KEY_VAULT_RBAC, parent=self)
        ]
        self.disks_ready = [waits.after(f"{name}-des-key-propagated", [disk_access], waits.KEY_VAULT_RBAC, parent=self)]
        self._name, self._placement = name, where
        self._use_roles: dict[str, tuple[roles.CustomRole, list[pulumi.Resource]]] = {}
        self.register_outputs(
            {"vaultId": self.vault.id, "keyUri": self.key_uri, "diskEncryptionSetId": self.disk_encryption_set_id}
        )

    def use_role(self, access: str) -> tuple[roles.CustomRole, list[pulumi.Resource]]:
        """The custom role applications get for `keyAccess: access` on this key, defined once
        per level and assignable only in the platform's resource group, and what an assignment
        of it must wait for (the definition's replication)."""
        if access not in self._use_roles:
            where = self._placement
            role = roles.key_use_role(
                access,
                subscription_id=where.subscription_id,
                project=pulumi.get_project(),
                stack=pulumi.get_stack(),
                key=self._name,
            )
            group_id = pulumi.Output.concat(
                "/subscriptions/", where.subscription_id, "/resourceGroups/", where.resource_group_name
            )
            definition = authorization.RoleDefinition(
                f"{self._name}-key-{access}",
                authorization.RoleDefinitionArgs(
                    scope=group_id,
                    role_definition_id=role.guid,
                    role_name=role.name,
                    role_type="CustomRole",
                    description=f"Use the platform key for application encryption ({access}); nothing else",
                    permissions=[
                        authorization.PermissionArgs(
                            actions=[], not_actions=[], data_actions=list(role.data_actions), not_data_actions=[]
                        )
                    ],
                    assignable_scopes=[group_id],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            replicated = waits.after(
                f"{self._name}-key-{access}-replicated", [definition], waits.CUSTOM_ROLE_DEFINITION, parent=self
            )
            self._use_roles[access] = (role, [replicated])
        return self._use_roles[access]
