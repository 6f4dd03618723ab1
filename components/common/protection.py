"""Prod data protection in one place: a stack transform that marks data-bearing resources
(buckets, storage accounts, keys, key rings, vaults) `protect` and `retain_on_delete` in
prod, so neither a `pulumi destroy` nor a refactor that drops them can delete data. It only
ever adds protection; components may protect more (a bucket with `retain: true` in dev)."""

from __future__ import annotations

from collections.abc import Callable

import pulumi

from blueprint.model import Blueprint

DATA_TYPES = frozenset(
    {
        "aws:s3/bucket:Bucket",
        "aws:kms/key:Key",
        "gcp:storage/bucket:Bucket",
        "gcp:kms/keyRing:KeyRing",
        "gcp:kms/cryptoKey:CryptoKey",
        "azure-native:storage:StorageAccount",
        "azure-native:storage:BlobContainer",  # deleting the container deletes the data in it
        "azure-native:keyvault:Vault",
        "azure-native:keyvault:Key",
    }
)


def protection_transform(
    bp: Blueprint,
) -> Callable[[pulumi.ResourceTransformArgs], pulumi.ResourceTransformResult | None]:
    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not (bp.is_prod and args.custom and args.type_ in DATA_TYPES):
            return None
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=True, retain_on_delete=True))
        return pulumi.ResourceTransformResult(props=args.props, opts=opts)

    return transform
