"""Kubernetes clusters and their node pools on the three clouds, as the security rules read
them: type tokens, and the address ranges that mean "the whole internet"."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = [
    "AKS",
    "AKS_AGENT_POOL",
    "CLUSTERS",
    "EKS",
    "EKS_NODE_GROUP",
    "GKE",
    "GKE_NODE_POOL",
    "open_to_internet",
]

EKS = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GKE = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
AKS = "azure-native:containerservice:ManagedCluster"
AKS_AGENT_POOL = "azure-native:containerservice:AgentPool"
CLUSTERS = frozenset({EKS, GKE, AKS})

# Prefixes this short cover so much of the address space that an allow-list using them is no
# allow-list (0.0.0.0/0 itself, or 0.0.0.0/1 + 128.0.0.0/1 written to dodge a naive check).
_MIN_PREFIX = {4: 8, 6: 16}


def open_to_internet(cidrs: Iterable[str]) -> list[str]:
    """The ranges in `cidrs` that open an endpoint to (most of) the internet: any IPv4 prefix
    shorter than /8, any IPv6 prefix shorter than /16, and values that are not ranges at all
    (an endpoint allow-list must be precise)."""
    wide = []
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            wide.append(cidr)
            continue
        if network.prefixlen < _MIN_PREFIX[network.version]:
            wide.append(cidr)
    return wide
