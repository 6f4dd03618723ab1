"""Checks of the cluster layer's inputs (`cluster.inCluster`, `workloads[].gpu`) that the
schema cannot express: GPU pools a workload names exist, shares of a pool add up to at most
100 %, and workload namespaces are ones the stack may create.

Run on the raw YAML like semantics.py; values of the wrong type were reported by the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from blueprint.catalog import load_charts
from blueprint.errors import format_path

Problem = tuple[str, str]
# Namespaces every cluster already has: creating one fails with AlreadyExists, and binding a
# workload's quota and deny-all policy there would break the cluster's own pods
# (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces).
INITIAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def _items(raw: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = raw.get(key)
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _in_cluster(raw: dict[str, Any]) -> dict[str, Any]:
    cluster = raw.get("cluster")
    layer = cluster.get("inCluster") if isinstance(cluster, dict) else None
    return layer if isinstance(layer, dict) else {}


def gpu_access_problems(raw: dict[str, Any]) -> Iterator[Problem]:
    layer = _in_cluster(raw)
    enabled = layer.get("enabled", True) is not False
    if layer.get("distributedEngine") is True and not enabled:
        yield (
            "$.cluster.inCluster.distributedEngine",
            "needs inCluster.enabled (the engine is part of the cluster layer)",
        )
    pools = [p["name"] for _, p in _items(raw, "gpuPools") if isinstance(p.get("name"), str)]
    yield from _pool_references(raw, pools)
    yield from _shares(raw, pools)
    if enabled:
        yield from _namespaces(raw)


def _gpu(wl: dict[str, Any]) -> dict[str, Any]:
    gpu = wl.get("gpu")
    return gpu if isinstance(gpu, dict) else {}


def _listed_pools(wl: dict[str, Any], pools: list[str]) -> list[str]:
    listed = _gpu(wl).get("pools", pools)
    return [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else []


def _pool_references(raw: dict[str, Any], pools: list[str]) -> Iterator[Problem]:
    known = ", ".join(pools) or "none"
    for i, wl in _items(raw, "workloads"):
        for j, name in enumerate(_listed_pools(wl, pools)):
            if name not in pools:
                yield (
                    format_path(["workloads", i, "gpu", "pools", j]),
                    f"no GPU pool named '{name}' (gpuPools: {known})",
                )


def _shares(raw: dict[str, Any], pools: list[str]) -> Iterator[Problem]:
    workloads = _items(raw, "workloads")
    for pool in pools:
        users = [(i, wl) for i, wl in workloads if pool in _listed_pools(wl, pools)]
        explicit = {i: _gpu(wl)["sharePercent"] for i, wl in users if isinstance(_gpu(wl).get("sharePercent"), int)}
        implicit = [i for i, _ in users if i not in explicit]
        total = sum(explicit.values())
        if total > 100:
            named = ", ".join(f"workloads[{i}] {share}%" for i, share in explicit.items())
            yield (
                format_path(["workloads", max(explicit), "gpu", "sharePercent"]),
                f"shares of GPU pool '{pool}' add up to {total}% ({named}); at most 100%",
            )
        elif implicit and (100 - total) // len(implicit) == 0:
            yield (
                format_path(["workloads", implicit[0], "gpu"]),
                f"explicit shares of GPU pool '{pool}' leave {100 - total}% for {len(implicit)} workload(s) "
                "without one: give them a sharePercent or lower the others",
            )


def _namespaces(raw: dict[str, Any]) -> Iterator[Problem]:
    layer_namespaces = {chart.namespace: key for key, chart in load_charts().items()}
    for i, wl in _items(raw, "workloads"):
        namespace = wl.get("namespace")
        if not isinstance(namespace, str):
            continue  # the schema reported it
        if namespace in INITIAL_NAMESPACES:
            yield (
                format_path(["workloads", i, "namespace"]),
                f"'{namespace}' exists in every cluster and the cluster layer would put a deny-all policy and a GPU "
                "quota on it: use a namespace of the workload's own",
            )
        elif namespace in layer_namespaces:
            yield (
                format_path(["workloads", i, "namespace"]),
                f"'{namespace}' is the cluster layer's namespace for {layer_namespaces[namespace]}: use another",
            )
