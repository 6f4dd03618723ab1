"""Blueprints the unit tests start from: the smallest valid one per cloud (raw mappings, as
they appear under `ml-platform:blueprint`) and every preset."""

from __future__ import annotations

import copy
from typing import Any

from blueprint.catalog import CLOUDS, Cloud
from blueprint.presets import PRESETS, build_preset

REGION: dict[Cloud, str] = {"aws": "eu-west-1", "gcp": "europe-west4", "azure": "westeurope"}
PROVIDER_REGION_KEY: dict[Cloud, str] = {"aws": "aws:region", "gcp": "gcp:region", "azure": "azure-native:location"}

_MINIMAL: dict[str, Any] = {
    "environment": "dev",
    "owner": "team@example.com",
    "costCenter": "cc-1",
    "budget": {"monthlyLimitUsd": 100, "contacts": ["team@example.com"]},
}
_ACCOUNTS: dict[Cloud, dict[str, Any]] = {
    "aws": {},
    "gcp": {"gcp": {"project": "ml-project-1", "billingAccount": "012345-6789AB-CDEF01"}},
    "azure": {"azure": {"subscriptionId": "00000000-0000-0000-0000-000000000000"}},
}


def minimal(cloud: Cloud = "aws", **extra: Any) -> dict[str, Any]:
    """A fresh copy of the smallest valid blueprint for `cloud`, with `extra` keys set."""
    bp = {"cloud": cloud, "region": REGION[cloud], **copy.deepcopy(_MINIMAL), **copy.deepcopy(_ACCOUNTS[cloud])}
    bp.update(copy.deepcopy(extra))
    return bp


def preset(name: str, cloud: Cloud, environment: str = "dev") -> dict[str, Any]:
    return build_preset(
        preset=name,  # type: ignore[arg-type]
        cloud=cloud,
        region=REGION[cloud],
        environment=environment,  # type: ignore[arg-type]
        owner="team@example.com",
        cost_center="cc-1",
    )


def all_valid() -> list[dict[str, Any]]:
    """Every minimal blueprint and every preset on every cloud (dev and prod)."""
    out = [minimal(c) for c in CLOUDS]
    out += [preset(p, c, env) for p in PRESETS for c in CLOUDS for env in ("dev", "prod")]
    return out
