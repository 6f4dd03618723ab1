"""A tiered "bucket" on Azure: a StorageV2 account holding one blob container.

- HTTPS only, TLS 1.2 minimum, no anonymous blob access, shared keys (and so account SAS)
  off: every request is Entra-authenticated; copies only within the tenant; no SFTP or local
  users.
- Infrastructure (double) encryption, with the account key wrapped by the platform key in Key
  Vault through the platform's encryption identity; the key version follows rotation.
- In prod the account's firewall denies everything but trusted Azure services and the node
  subnet, a CanNotDelete management lock guards the account, and account and container are
  protected in Pulumi (as are buckets with `retain`). Zone-redundant in prod, local otherwise.
  Archive is refused on zone-redundant accounts: Azure supports the archive tier on LRS, GRS
  and RA-GRS only, and rejects a lifecycle policy that moves blobs there on ZRS
  (https://learn.microsoft.com/azure/storage/blobs/access-tiers-overview); the cold tier
  works on every redundancy.
- Blob versioning (by the blueprint), soft delete of blobs and containers.
- A lifecycle management policy: base blobs move to Cool/Cold/Archive (the catalog maps the
  blueprint's neutral classes) after N days since modification and expire where set; old
  versions move to the first tier when they live long enough to pay for it and are deleted
  after `noncurrentVersionExpireDays`.

`grant_read` / `grant_write` give an identity "Storage Blob Data Reader" / "Contributor" on
this container only. The storage service unwraps the account key itself, so readers and
writers need no key permission (apps encrypting data themselves get `grant_key`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization, monitor, storage

from blueprint.catalog import load_catalog
from blueprint.model import Bucket
from components.azure import roles
from components.azure.iam import RoleHolder
from components.azure.placement import Placement
from components.common.lifecycle import NONCURRENT_TIER_AFTER_DAYS, noncurrent_tier

CONTAINER_NAME_MIN = 3
# The redundancies whose accounts accept the archive tier (access tiers overview, "Supported
# redundancy configurations": LRS, GRS and RA-GRS only; read 2026-12-03).
ARCHIVE_REDUNDANCIES = frozenset(
    {storage.SkuName.STANDARD_LRS, storage.SkuName.STANDARD_GRS, storage.SkuName.STANDARD_RAGRS}
)
TIER_CLASSES = ("Cool", "Cold", "Archive")  # Azure access tiers a management policy can move blobs to


@dataclass(frozen=True, kw_only=True)
class TieredBucketArgs:
    bucket: Bucket
    placement: Placement
    account_name: str
    vault_uri: pulumi.Input[str]
    key_name: pulumi.Input[str]
    encryption_identity_id: pulumi.Input[str]
    restrict_network: bool  # prod: deny all but trusted services and the allowed subnets
    allowed_subnet_ids: tuple[pulumi.Input[str], ...] = ()
    zone_redundant: bool = False
    lock: bool = False  # a CanNotDelete management lock on the account
    soft_delete_days: int = 7
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)  # the encryption identity's key access
    # Blob access logs (reads, writes, deletes) to this Log Analytics workspace; set for data
    # classified confidential or restricted. Default: none.
    access_log_workspace_id: pulumi.Input[str] | None = None


BLOB_LOG_CATEGORIES = ("StorageRead", "StorageWrite", "StorageDelete")


def sku_name(zone_redundant: bool) -> storage.SkuName:
    return storage.SkuName.STANDARD_ZRS if zone_redundant else storage.SkuName.STANDARD_LRS


def check_tier_redundancy(index: int, bucket: Bucket, zone_redundant: bool) -> None:
    """Refuse a tier the account's redundancy cannot hold, naming the blueprint path."""
    sku = sku_name(zone_redundant)
    if sku in ARCHIVE_REDUNDANCIES:
        return
    for j, tier in enumerate(bucket.tiers):
        if load_catalog().storage_class(tier.storage_class, "azure").name == "Archive":
            raise ValueError(
                f"buckets[{index}].tiers[{j}].class: '{tier.storage_class}' (Azure Archive) is not supported on "
                f"{sku.value} storage accounts; use 'cold'"
            )


def container_name(bucket: Bucket) -> str:
    return bucket.name if len(bucket.name) >= CONTAINER_NAME_MIN else f"{bucket.name}-data"


def _tier_days(bucket: Bucket) -> dict[str, int]:
    """Azure tier name -> days since modification, from the blueprint's neutral tiers."""
    cat = load_catalog()
    days: dict[str, int] = {}
    for tier in bucket.tiers:
        name = cat.storage_class(tier.storage_class, "azure").name
        if name not in TIER_CLASSES:
            raise ValueError(
                f"buckets[{bucket.name}]: catalog maps '{tier.storage_class}' to '{name}', not a blob tier"
            )
        days[name] = tier.after_days
    return days


def lifecycle_rule(bucket: Bucket) -> storage.ManagementPolicyRuleArgs:
    days = _tier_days(bucket)

    def after_modification(tier: str) -> storage.DateAfterModificationArgs | None:
        return (
            storage.DateAfterModificationArgs(days_after_modification_greater_than=days[tier]) if tier in days else None
        )

    version = None
    if bucket.versioning:
        # Old versions move to the first tier too, when they live long enough to pay for it.
        first = noncurrent_tier(bucket, "azure")
        move_to = first.name if first is not None else None
        moved = storage.DateAfterCreationArgs(days_after_creation_greater_than=NONCURRENT_TIER_AFTER_DAYS)
        version = storage.ManagementPolicyVersionArgs(
            tier_to_cool=moved if move_to == "Cool" else None,
            tier_to_cold=moved if move_to == "Cold" else None,
            tier_to_archive=moved if move_to == "Archive" else None,
            delete=storage.DateAfterCreationArgs(
                days_after_creation_greater_than=bucket.noncurrent_version_expire_days
            ),
        )
    expiry = bucket.expire_after_days
    return storage.ManagementPolicyRuleArgs(
        name="tiering",
        enabled=True,
        type=storage.RuleType.LIFECYCLE,
        definition=storage.ManagementPolicyDefinitionArgs(
            filters=storage.ManagementPolicyFilterArgs(blob_types=["blockBlob"]),
            actions=storage.ManagementPolicyActionArgs(
                base_blob=storage.ManagementPolicyBaseBlobArgs(
                    tier_to_cool=after_modification("Cool"),
                    tier_to_cold=after_modification("Cold"),
                    tier_to_archive=after_modification("Archive"),
                    delete=storage.DateAfterModificationArgs(days_after_modification_greater_than=expiry)
                    if expiry is not None
                    else None,
                ),
                version=version,
            ),
        ),
    )


def network_rules(restrict: bool, subnet_ids: tuple[pulumi.Input[str], ...]) -> storage.NetworkRuleSetArgs:
    if not restrict:
        return storage.NetworkRuleSetArgs(
            default_action=storage.DefaultAction.ALLOW, bypass=storage.Bypass.AZURE_SERVICES
        )
    return storage.NetworkRuleSetArgs(
        default_action=storage.DefaultAction.DENY,
        bypass=storage.Bypass.AZURE_SERVICES,
        virtual_network_rules=[storage.VirtualNetworkRuleArgs(virtual_network_resource_id=s) for s in subnet_ids],
    )


class TieredBucket(pulumi.ComponentResource):
    account: storage.StorageAccount
    container: storage.BlobContainer
    account_name: pulumi.Output[str]
    url: pulumi.Output[str]  # https://<account>.blob.core.windows.net/<container>

    def __init__(self, name: str, args: TieredBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:azure:TieredBucket", name, None, opts)
        spec, where = args.bucket, args.placement
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, protect=spec.retain, retain_on_delete=spec.retain)
        self.account = storage.StorageAccount(
            f"{name}-account",
            storage.StorageAccountArgs(
                resource_group_name=where.resource_group_name,
                location=where.location,
                account_name=args.account_name,
                kind=storage.Kind.STORAGE_V2,
                sku=storage.SkuArgs(name=sku_name(args.zone_redundant)),
                access_tier=storage.AccessTier.HOT,
                enable_https_traffic_only=True,
                minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
                allow_blob_public_access=False,
                allow_shared_key_access=False,
                default_to_o_auth_authentication=True,
                allow_cross_tenant_replication=False,
                allowed_copy_scope=storage.AllowedCopyScope.AAD,
                is_local_user_enabled=False,
                is_sftp_enabled=False,
                public_network_access=storage.PublicNetworkAccess.ENABLED,  # narrowed by the firewall
                network_rule_set=network_rules(args.restrict_network, args.allowed_subnet_ids),
                identity=storage.IdentityArgs(
                    type=storage.IdentityType.USER_ASSIGNED, user_assigned_identities=[args.encryption_identity_id]
                ),
                encryption=storage.EncryptionArgs(
                    key_source=storage.KeySource.MICROSOFT_KEYVAULT,
                    key_vault_properties=storage.KeyVaultPropertiesArgs(
                        key_name=args.key_name, key_vault_uri=args.vault_uri
                    ),  # no key_version: the account follows the key's rotation
                    encryption_identity=storage.EncryptionIdentityArgs(
                        encryption_user_assigned_identity=args.encryption_identity_id
                    ),
                    require_infrastructure_encryption=True,
                    services=storage.EncryptionServicesArgs(
                        blob=storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT),
                        file=storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT),
                    ),
                ),
                tags={"mlplat-purpose": spec.purpose},
            ),
            opts=pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(depends_on=list(args.depends_on))),
        )
        if args.lock:
            authorization.ManagementLockByScope(
                f"{name}-lock",
                authorization.ManagementLockByScopeArgs(
                    scope=self.account.id,
                    level=authorization.LockLevel.CAN_NOT_DELETE,
                    notes=f"Holds the platform's {spec.purpose}; remove the lock deliberately.",
                ),
                opts=child,
            )
        blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            storage.BlobServicePropertiesArgs(
                resource_group_name=where.resource_group_name,
                account_name=self.account.name,
                blob_services_name="default",
                is_versioning_enabled=spec.versioning,
                delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=args.soft_delete_days),
                container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                    enabled=True, days=args.soft_delete_days
                ),
            ),
            opts=child,
        )
        self.container = storage.BlobContainer(
            f"{name}-container",
            storage.BlobContainerArgs(
                resource_group_name=where.resource_group_name,
                account_name=self.account.name,
                container_name=container_name(spec),
                public_access=storage.PublicAccess.NONE,
            ),
            opts=keep,  # deleting the container deletes the data in it
        )
        storage.ManagementPolicy(
            f"{name}-lifecycle",
            storage.ManagementPolicyArgs(
                resource_group_name=where.resource_group_name,
                account_name=self.account.name,
                management_policy_name="default",  # the only name Azure accepts
                policy=storage.ManagementPolicySchemaArgs(rules=[lifecycle_rule(spec)]),
            ),
            opts=child,
        )
        if args.access_log_workspace_id is not None:
            monitor.DiagnosticSetting(
                f"{name}-access-logs",
                monitor.DiagnosticSettingArgs(
                    resource_uri=pulumi.Output.concat(self.account.id, "/blobServices/default"),
                    workspace_id=args.access_log_workspace_id,
                    logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in BLOB_LOG_CATEGORIES],
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[blob_service]),
            )
        self.account_name = self.account.name
        self.url = pulumi.Output.concat(self.account.primary_endpoints.apply(lambda e: e.blob), container_name(spec))
        self.register_outputs({"accountName": self.account_name, "url": self.url})

    def grant_read(self, identity: RoleHolder) -> None:
        identity.add_role(f"{self._name}-read", roles.STORAGE_BLOB_DATA_READER, self.container.id, f"read {self._name}")

    def grant_write(self, identity: RoleHolder) -> None:
        """Read, write and delete blobs in this container."""
        identity.add_role(
            f"{self._name}-readwrite",
            roles.STORAGE_BLOB_DATA_CONTRIBUTOR,
            self.container.id,
            f"read and write {self._name}",
        )
