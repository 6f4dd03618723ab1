"""Names AWS needs us to choose (the rest are Pulumi auto-names with a random suffix)."""

from __future__ import annotations


def cluster_name(project: str, stack: str) -> str:
    # Fixed so the control-plane log group can be created (encrypted, with retention) before
    # EKS creates an unencrypted one that never expires.
    return f"{project}-{stack}"[:100]
