"""Names GCP needs us to choose (the rest are Pulumi auto-names with a random suffix).

Service account ids, GKE cluster names and firewall rule names are short and strict
(`[a-z][-a-z0-9]*[a-z0-9]`); a name that would be too long keeps a readable prefix and ends in
a stable hash."""

from __future__ import annotations

import hashlib
import re

SERVICE_ACCOUNT_ID_MAX = 30  # and at least 6
CLUSTER_NAME_MAX = 40
FIREWALL_NAME_MAX = 63


def _rfc1035(text: str, max_len: int) -> str:
    name = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")
    if not name or not name[0].isalpha():
        name = f"m-{name}"
    if len(name) > max_len:
        digest = hashlib.sha256(text.encode()).hexdigest()[:6]
        name = f"{name[: max_len - 7].rstrip('-')}-{digest}"
    return name


def service_account_id(stack: str, kind: str, name: str = "") -> str:
    """`mlp-<stack>-<kind>[-<name>]`: the stack keeps dev and prod apart in a shared project,
    the kind keeps a workload and a VM group of the same name apart."""
    return _rfc1035("-".join(p for p in ("mlp", stack, kind, name) if p), SERVICE_ACCOUNT_ID_MAX)


def cluster_name(project: str, stack: str) -> str:
    return _rfc1035(f"{project}-{stack}", CLUSTER_NAME_MAX)


def firewall_name(stack: str, group: str, rule: str) -> str:
    """`mlp-<stack>-<group>-<rule>`: firewall rules are project-wide and take no labels, so the
    name is what tells which stack and VM group a rule belongs to. A long stack and group part
    is shortened (ending in its hash); the rule (`egress-https`, ...) is always kept whole."""
    return f"{_rfc1035(f'mlp-{stack}-{group}', FIREWALL_NAME_MAX - len(rule) - 1)}-{rule}"
