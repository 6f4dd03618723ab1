"""Names Azure needs us to choose. Most resources take Pulumi auto-names (logical name plus a
random suffix kept in state); these are the exceptions, each for a stated reason."""

from __future__ import annotations

import hashlib
import re

AGENT_POOL_NAME_MAX = 12  # Linux agent pools: lower-case letters and digits, at most 12
STORAGE_ACCOUNT_NAME_MAX = 24  # 3-24 lower-case letters and digits, unique across Azure
# An action group's short name, shown in its SMS and email notifications, is at most 12
# characters (https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups).
ACTION_GROUP_SHORT_NAME_MAX = 12


def _digest(*parts: str, n: int) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def resource_group_name(stack: str) -> str:
    """The group the platform creates when the blueprint names no existing one."""
    return f"{stack}-rg"


def node_resource_group_name(resource_group: str) -> str:
    # Fixed rather than AKS's MC_<group>_<cluster>_<region>, so the budget can name it.
    return f"{resource_group}-aks-nodes"[:80]


def cluster_name(project: str, stack: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{project}-{stack}")[:63]


def dns_prefix(project: str, stack: str) -> str:
    text = re.sub(r"[^a-z0-9-]", "-", f"{project}-{stack}".lower()).strip("-")
    return text[:54].rstrip("-") or "aks"


def storage_account_name(subscription_id: str, resource_group: str, bucket: str) -> str:
    """`st` + the bucket name's letters and digits + a hash of where it lives: readable,
    stable across runs (the account holds data), and unique across subscriptions, stacks
    and forks, as Azure requires of account names."""
    stem = re.sub(r"[^a-z0-9]", "", bucket.lower())[:12]
    suffix = _digest(subscription_id, resource_group, bucket, n=STORAGE_ACCOUNT_NAME_MAX - 2 - len(stem))
    return f"st{stem}{suffix}"


def agent_pool_name(pool: str) -> str:
    """An AKS agent pool name from a blueprint pool name (which may hold dashes and be up to
    24 characters): its letters and digits when they fit (`dev-gpu` -> `devgpu`), else the
    first eight and a hash of the whole name. The platform refuses two pools that map to one."""
    clean = re.sub(r"[^a-z0-9]", "", pool.lower())
    if len(clean) <= AGENT_POOL_NAME_MAX:
        return clean
    return clean[: AGENT_POOL_NAME_MAX - 4] + _digest(pool, n=4)


def action_group_short_name(stack: str) -> str:
    """The stack's name, cut to Azure's 12 characters: what the notifications show."""
    return stack[:ACTION_GROUP_SHORT_NAME_MAX].rstrip("-") or "mlplatform"
