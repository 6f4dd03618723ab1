"""The desired size of an EKS managed node group, so a changed minimum or maximum can be applied.

The Cluster Autoscaler owns a node group's current size, so the program normally ignores
`scalingConfig.desiredSize`. But EKS checks every update against the size it holds: raising
`minSize` above the current size fails ("Minimum capacity 2 can't be greater than desired
size 0"), as does lowering `maxSize` below it, and with the desired size ignored Pulumi sends
the stale one (hashicorp/terraform-provider-aws#18310, terraform-aws-modules/terraform-aws-eks
#2508, #1568). So before declaring the node groups the program reads their current desired
sizes from EKS (`eks:ListClusters`, `eks:ListNodegroups`, `eks:DescribeNodegroup`; read-only,
at preview too) and:

- no such node group yet: the desired size is the minimum (what it is created with);
- current size within the new bounds: keep ignoring it, the autoscaler stays in charge;
- outside them: send the bound it crossed as the desired size, not ignored, so the same
  update moves minimum, maximum and desired size together.

Node groups are matched by their `mlplat/pool` label (each pool's name; `system` for the
system node group), which survives the random suffix of their Pulumi auto-names."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

POOL_LABEL = "mlplat/pool"
SYSTEM_POOL = "system"
DESIRED_SIZE = "scalingConfig.desiredSize"


@dataclass(frozen=True, kw_only=True)
class Scaling:
    desired_size: int
    ignore_desired_size: bool  # leave the current size to the autoscaler

    @property
    def ignore_changes(self) -> list[str]:
        return [DESIRED_SIZE] if self.ignore_desired_size else []


def scaling(min_size: int, max_size: int, current: int | None) -> Scaling:
    if current is None:
        return Scaling(desired_size=min_size, ignore_desired_size=True)
    if current < min_size:
        return Scaling(desired_size=min_size, ignore_desired_size=False)
    if current > max_size:
        return Scaling(desired_size=max_size, ignore_desired_size=False)
    return Scaling(desired_size=current, ignore_desired_size=True)


def live_desired_sizes(cluster_name: str, opts: pulumi.InvokeOptions | None = None) -> dict[str, int]:
    """Pool label -> desired size of the cluster's managed node groups as EKS reports them
    now; empty before the cluster exists (a fresh stack)."""
    if cluster_name not in (aws.eks.get_clusters(opts=opts).names or []):
        return {}
    sizes: dict[str, int] = {}
    for group_name in sorted(aws.eks.get_node_groups(cluster_name=cluster_name, opts=opts).names or []):
        group = aws.eks.get_node_group(cluster_name=cluster_name, node_group_name=group_name, opts=opts)
        pool = (group.labels or {}).get(POOL_LABEL)
        configs = group.scaling_configs or []
        if pool and configs:
            # During a replacement two groups carry the label: the larger size is the safe one.
            sizes[pool] = max(sizes.get(pool, 0), int(configs[0].desired_size))
    return sizes
