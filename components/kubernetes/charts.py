"""Helm releases from the catalog's pins (blueprint/data/charts.yaml): the chart, its
repository and its version come from there and nowhere else, so policy MLP-042 can check
every release against the same file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from blueprint.catalog import load_charts


def helm_release(
    name: str,
    chart_key: str,
    *,
    values: pulumi.Input[dict[str, Any]],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> k8s.helm.v3.Release:
    chart = load_charts()[chart_key]
    return k8s.helm.v3.Release(
        name,
        k8s.helm.v3.ReleaseArgs(
            name=chart_key,
            chart=chart.reference,
            version=chart.version,
            repository_opts=None if chart.is_oci else k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository),
            namespace=chart.namespace,
            create_namespace=True,
            values=values,
            # Fail the update, and roll it back, when the release's pods do not become ready.
            atomic=True,
            cleanup_on_fail=True,
            timeout=600,
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
