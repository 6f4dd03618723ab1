"""Presets for `mlbp new`: complete, policy-clean blueprints that are right-sized, secure and
cheap by default. Each returns the raw blueprint mapping exactly as it is written to YAML."""

from __future__ import annotations

from typing import Any, Literal

from blueprint.catalog import KUBERNETES_SERVICE, Cloud, kubernetes_calendar, load_catalog, release_channel, unavailable
from blueprint.clock import today
from blueprint.errors import BlueprintError

Preset = Literal["training", "inference", "dev"]
PRESETS: tuple[Preset, ...] = ("training", "inference", "dev")

# The GPUs each preset prefers, per cloud, best first: the first one the cloud sells in the
# region is used (L4 is not offered on Azure, p4de only in two AWS regions).
_INFERENCE_GPUS: dict[Cloud, tuple[tuple[str, int], ...]] = {
    "aws": (("l4", 1), ("a10g", 1), ("t4", 1)),
    "gcp": (("l4", 1), ("t4", 1)),
    "azure": (("t4", 1),),
}
_TRAINING_GPUS: dict[Cloud, tuple[tuple[str, int], ...]] = {
    "aws": (("a100-80gb", 8), ("a100-40gb", 8), ("h100", 8)),
    "gcp": (("a100-80gb", 8), ("a100-40gb", 8), ("h100", 8)),
    "azure": (("a100-80gb", 4), ("a100-40gb", 8)),
}


_DEV_GPUS: dict[Cloud, tuple[tuple[str, int], ...]] = {"aws": (("t4", 1),), "gcp": (("t4", 1),), "azure": (("t4", 1),)}


def _offered(cloud: Cloud, region: str, choices: tuple[tuple[str, int], ...]) -> tuple[str, int] | None:
    cat = load_catalog()
    for accel, count in choices:
        machine = cat.gpu_machine(accel, cloud, count)
        if machine is not None and unavailable(cloud, machine, region) is None:
            return accel, count
    return None


def _newest_version(cloud: Cloud, environment: str) -> str:
    """The newest Kubernetes version in standard support today (on GKE: in the environment's
    release channel), written out so the stack pins it and upgrades stay explicit."""
    channel = release_channel(cloud, environment)
    version = kubernetes_calendar().newest_supported(cloud, today(), channel)
    if version is None:
        where = f"the {channel} channel of {KUBERNETES_SERVICE[cloud]}" if channel else KUBERNETES_SERVICE[cloud]
        raise BlueprintError(
            [
                f"blueprint/data/kubernetes.yaml: no version of {where} is in standard support on "
                f"{today().isoformat()}; update the calendar"
            ]
        )
    return version


def _first_offered(cloud: Cloud, region: str, choices: tuple[tuple[str, int], ...]) -> tuple[str, int]:
    found = _offered(cloud, region, choices)
    if found is not None:
        return found
    gpus = " or ".join(accel for accel, _ in choices)
    elsewhere = [r for r in load_catalog().regions[cloud] if _offered(cloud, r, choices) is not None]
    raise BlueprintError(
        [
            f"--region {region}: {cloud} sells no {gpus} GPU there, which the preset needs; regions that do: "
            + ", ".join(elsewhere)
        ]
    )


# Monthly budgets: the preset's production figure; other environments get half. A dev stack's
# fixed costs alone (control plane, NAT, two system nodes) are a few hundred dollars a month.
_DEFAULT_BUDGET_USD: dict[Preset, int] = {"dev": 3000, "inference": 8000, "training": 60000}
_BATCH_TYPES: dict[Cloud, list[str]] = {
    "aws": ["m6i.2xlarge", "m7i.2xlarge", "m5.2xlarge"],
    "gcp": ["n2-standard-8"],
    "azure": ["Standard_D8s_v5"],
}
_ACCOUNT_PLACEHOLDERS: dict[Cloud, dict[str, Any]] = {
    "aws": {},
    "gcp": {"gcp": {"project": "my-ml-project", "billingAccount": "000000-000000-000000"}},
    "azure": {"azure": {"subscriptionId": "00000000-0000-0000-0000-000000000000"}},
}


def environment_of(stack: str) -> Literal["dev", "staging", "prod"]:
    """Guess the environment from a stack name: `aws-prod` -> prod, `eu-staging` -> staging."""
    lowered = stack.lower()
    if "prod" in lowered:
        return "prod"
    if "stag" in lowered:
        return "staging"
    return "dev"


def build_preset(
    *,
    preset: Preset,
    cloud: Cloud,
    region: str,
    environment: Literal["dev", "staging", "prod"],
    owner: str,
    cost_center: str,
    monthly_budget_usd: float | None = None,
) -> dict[str, Any]:
    prod = environment == "prod"
    bp: dict[str, Any] = {
        "environment": environment,
        "cloud": cloud,
        "region": region,
        "owner": owner,
        "costCenter": cost_center,
        "dataClassification": "confidential" if prod else "internal",
        **_ACCOUNT_PLACEHOLDERS[cloud],
        "cluster": {
            "kubernetesVersion": _newest_version(cloud, environment),
            "privateEndpoint": True,
            # KubeRay and JobSet for distributed training and batch inference; dev clusters
            # get the queues and GPU runtime without them.
            "inCluster": {"enabled": True, "distributedEngine": preset in ("training", "inference")},
        },
        "gpuPools": _gpu_pools(preset, cloud, region, prod),
        "buckets": _buckets(preset, cloud, prod),
        "workloads": _workloads(preset),
        "budget": {
            "monthlyLimitUsd": monthly_budget_usd or _DEFAULT_BUDGET_USD[preset] * (1 if prod else 0.5),
            "alerts": [
                {"thresholdPercent": 50, "type": "actual"},
                {"thresholdPercent": 80, "type": "actual"},
                {"thresholdPercent": 100, "type": "actual"},
                {"thresholdPercent": 100, "type": "forecasted"},
            ],
            "contacts": [owner if "@" in owner else f"{owner}@example.com"],
        },
    }
    if preset == "training":
        bp["autoscalingGroups"] = [
            {
                "name": "data-prep",
                "instanceTypes": _BATCH_TYPES[cloud],
                # AWS scales VM groups by CPU target tracking only, which cannot start an empty group.
                "minSize": 1 if cloud == "aws" else 0,
                "maxSize": 10,
                "expectedAverageSize": 1,
                "spotPercentage": 100,
                "targetCpuUtilization": 70,
            }
        ]
    return bp


def _gpu_pools(preset: Preset, cloud: Cloud, region: str, prod: bool) -> list[dict[str, Any]]:
    if preset == "dev":
        return [
            {
                "name": "dev-gpu",
                "accelerator": _first_offered(cloud, region, _DEV_GPUS[cloud])[0],
                "minNodes": 0,
                "maxNodes": 2,
                "expectedAverageNodes": 0.3,
                "capacity": "spot",
                "workload": "batch",
                "diskSizeGib": 100,
            },
        ]
    inference = _first_offered(cloud, region, _INFERENCE_GPUS[cloud])
    if preset == "inference":
        return [
            {
                "name": "serve",
                "accelerator": inference[0],
                "acceleratorCount": inference[1],
                "minNodes": 1 if prod else 0,
                "maxNodes": 8 if prod else 2,
                "expectedAverageNodes": 2 if prod else 0.5,
                "capacity": "on-demand" if prod else "spot",
                "workload": "inference",
                "diskSizeGib": 100,
            },
        ]
    accel, count = _first_offered(cloud, region, _TRAINING_GPUS[cloud])
    return [
        {
            "name": "train",
            "accelerator": accel,
            "acceleratorCount": count,
            "minNodes": 0,
            "maxNodes": 4 if prod else 1,
            "expectedAverageNodes": 1 if prod else 0.1,
            "capacity": "spot",
            "workload": "training",
            "diskSizeGib": 500,
        },
        {
            "name": "eval",
            "accelerator": inference[0],
            "acceleratorCount": inference[1],
            "minNodes": 0,
            "maxNodes": 4 if prod else 2,
            "expectedAverageNodes": 0.5,
            "capacity": "spot",
            "workload": "batch",
        },
    ]


def _buckets(preset: Preset, cloud: Cloud, prod: bool) -> list[dict[str, Any]]:
    # Azure prod storage is zone-redundant, and ZRS accounts have no archive tier (the
    # validator refuses it): datasets go cold instead.
    coldest = "cold" if cloud == "azure" and prod else "archive"
    datasets = {
        "name": "datasets",
        "purpose": "datasets",
        "expectedSizeGib": 2000,
        "tiers": [{"class": "infrequent", "afterDays": 30}, {"class": coldest, "afterDays": 180}],
    }
    models = {
        "name": "models",
        "purpose": "models",
        "expectedSizeGib": 500,
        "tiers": [{"class": "infrequent", "afterDays": 60}],
        "noncurrentVersionExpireDays": 90,
    }
    checkpoints = {
        "name": "checkpoints",
        "purpose": "checkpoints",
        "expectedSizeGib": 3000,
        "tiers": [{"class": "infrequent", "afterDays": 30}],
        "expireAfterDays": 120,
        "noncurrentVersionExpireDays": 7,
    }
    artifacts = {
        "name": "artifacts",
        "purpose": "artifacts",
        "expectedSizeGib": 100,
        "tiers": [{"class": "infrequent", "afterDays": 30}],
        "expireAfterDays": 365,
    }
    if preset == "dev":
        return [datasets | {"expectedSizeGib": 200}, artifacts]
    if preset == "inference":
        return [models, artifacts]
    return [datasets, checkpoints, models]


def _workloads(preset: Preset) -> list[dict[str, Any]]:
    if preset == "dev":
        return [
            {
                "name": "notebook",
                "namespace": "ml",
                "serviceAccount": "notebook",
                "buckets": {"datasets": "read", "artifacts": "readwrite"},
            }
        ]
    if preset == "inference":
        return [
            {"name": "server", "namespace": "serving", "serviceAccount": "model-server", "buckets": {"models": "read"}}
        ]
    return [
        {
            "name": "trainer",
            "namespace": "training",
            "serviceAccount": "trainer",
            "buckets": {"datasets": "read", "checkpoints": "readwrite", "models": "readwrite"},
        },
    ]
