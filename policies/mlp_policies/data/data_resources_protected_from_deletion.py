"""MLP-024: data-bearing resources cannot be deleted by accident.

- Never `forceDestroy` (S3 and GCS buckets): it lets `pulumi destroy` (or a replacement)
  empty a bucket holding data, versions included.
- With `requireProtect` (prod's config), every data-bearing resource is `protect`ed, so
  neither `pulumi destroy` nor a refactor that drops it from the program deletes it. The
  data-bearing types are the ones the program's protection transform protects in prod
  (`components.common.protection.DATA_TYPES`: buckets, storage accounts and blob containers,
  keys, key rings and vaults), read from that one definition.

`protect` is a resource option, not a property: the adapters pass it from CrossGuard's
`args.opts.protect` (resource policies) and `PolicyResource.opts.protect` (stack policies),
which the engine fills from the program's resource options.
"""

from __future__ import annotations

from components.common.protection import DATA_TYPES
from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail
from mlp_policies.storage import GCS_BUCKET, S3_BUCKETS
from mlp_policies.values import as_bool

FORCE_DESTROY_TYPES = S3_BUCKETS | {GCS_BUCKET}


def check(resource: Resource, config: Config) -> Outcome:
    messages = []
    if resource.type in FORCE_DESTROY_TYPES and as_bool(resource.get("forceDestroy")):
        messages.append(f"{resource} sets forceDestroy: deleting it would delete every object in it")
    if config["requireProtect"] and resource.type in DATA_TYPES and not resource.protect:
        messages.append(f"{resource} holds data but is not protected (the protect resource option)")
    return fail(*messages) if messages else PASS


RULE = ResourceRule(
    id="MLP-024",
    name="data-resources-protected-from-deletion",
    description="Data-bearing resources (buckets, storage accounts, containers, keys, vaults) are protected where "
    "required (prod) and buckets never force-destroy.",
    severity="critical",
    resource_types=DATA_TYPES | FORCE_DESTROY_TYPES,
    remediation=(
        "Deploy prod stacks with environment: prod (the protection transform protects every data-bearing resource) "
        "or set buckets[].retain; never set force_destroy. To delete protected data deliberately, unprotect it "
        "first (`pulumi state unprotect`)."
    ),
    equivalents=(),
    config={
        "requireProtect": {
            "type": "boolean",
            "default": False,
            "description": "Every data-bearing resource must carry the protect option (true in prod).",
        },
    },
    check=check,
)
