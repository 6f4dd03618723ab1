"""Look up a resource's SDK class from its type token, to ask which properties it has."""

from __future__ import annotations

import importlib
import inspect
from functools import cache

_PACKAGES = {"aws": "pulumi_aws", "gcp": "pulumi_gcp", "azure-native": "pulumi_azure_native"}


@cache
def resource_parameters(type_token: str) -> frozenset[str]:
    """Python parameter names of the resource's constructor (empty if unknown).

    `aws:s3/bucket:Bucket` -> pulumi_aws.s3.Bucket; `azure-native:storage:StorageAccount` ->
    pulumi_azure_native.storage.StorageAccount."""
    try:
        package, module, cls_name = type_token.split(":")
    except ValueError:
        return frozenset()
    root = _PACKAGES.get(package)
    if root is None:
        return frozenset()
    try:
        mod = importlib.import_module(f"{root}.{module.split('/')[0]}")
        cls = getattr(mod, cls_name)
        params = inspect.signature(cls._internal_init).parameters
    except (ImportError, AttributeError, ValueError):
        return frozenset()
    return frozenset(params)
