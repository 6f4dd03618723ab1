"""MLP-001: GPU instance, machine and VM types are on the environment's allow-list.

Every type that carries GPUs (resolved through the catalog: AWS instance types, GCP
accelerator-optimized machine types and guest accelerators, Azure VM sizes) must map to an
allowed neutral accelerator, or be listed itself. GPU types the catalog does not know fail
until they are added to it or allowed by name: a new GPU generation is never let in silently.
"""

from __future__ import annotations

from blueprint.catalog import load_catalog
from mlp_policies.compute import POOL_TYPES, pools_of, value
from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail, not_applicable

# Large-model training GPUs: outside prod they must be allowed explicitly.
PREMIUM_ACCELERATORS = ("a100-40gb", "a100-80gb", "h100")
ACCELERATORS = tuple(load_catalog().accelerators)


def check(resource: Resource, config: Config) -> Outcome:
    pools = pools_of(resource)
    if not pools:
        return not_applicable(f"{resource} defines no node pool, VM group or template")
    allowed = set(config["allowedAccelerators"])
    allowed_types = set(config["allowedInstanceTypes"])
    allowed_text = ", ".join(sorted(allowed)) or "none"
    messages: list[str] = []
    for pool in pools:
        for m in value(pool.machines):
            for gpu in m.gpus:
                if m.name in allowed_types or gpu.cloud_name in allowed_types:
                    continue
                if gpu.accelerator is None:
                    messages.append(
                        f"{pool.label}: {gpu.cloud_name} carries GPUs the catalog does not know; add it to "
                        "blueprint/data/catalog.yaml or to allowedInstanceTypes"
                    )
                elif gpu.accelerator not in allowed:
                    messages.append(
                        f"{pool.label}: {m.describe()} uses {gpu.accelerator}, which this environment does not "
                        f"allow (allowed accelerators: {allowed_text})"
                    )
    return fail(*messages) if messages else PASS


RULE = ResourceRule(
    id="MLP-001",
    name="gpu-types-allowed-in-environment",
    description="GPU instance, machine and VM types are on the environment's allow-list.",
    severity="high",
    resource_types=POOL_TYPES,
    remediation=(
        "Pick an allowed accelerator for the pool (gpuPools[].accelerator), or allow it for this environment in "
        "policies/config/<env>.json: allowedAccelerators (neutral names from the catalog) or allowedInstanceTypes."
    ),
    config={
        "allowedAccelerators": {
            "type": "array",
            "items": {"type": "string", "enum": list(ACCELERATORS)},
            "uniqueItems": True,
            "default": [a for a in ACCELERATORS if a not in PREMIUM_ACCELERATORS],
            "description": "Neutral accelerator names (blueprint catalog) this environment may run.",
        },
        "allowedInstanceTypes": {
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": True,
            "default": [],
            "description": "Cloud type names allowed whatever their accelerator (instance types, VM sizes, "
            "GCP machine or accelerator types).",
        },
    },
    check=check,
)
