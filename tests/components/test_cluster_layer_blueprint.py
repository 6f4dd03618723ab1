"""The blueprint fields of the cluster layer: `cluster.inCluster.{enabled,distributedEngine}`
and `workloads[].gpu.{pools,sharePercent}` — the loader's defaults (every pool; an equal split
of what explicit shares leave) and `mlbp validate`'s exact messages (exit 2) for what the
cluster layer could not deploy."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.catalog import load_charts
from blueprint.generator import render_stack
from blueprint.loader import load_stack_file
from blueprint.model import Blueprint
from blueprint.presets import build_preset
from tests.cli.runner import REPO, mlbp

MINIMAL = REPO / "tests" / "fixtures" / "good_stacks" / "minimal-aws.yaml"
POOLS = [
    {"name": "train", "accelerator": "t4", "maxNodes": 4, "expectedAverageNodes": 0.5},
    {"name": "serve", "accelerator": "t4", "maxNodes": 2, "expectedAverageNodes": 0.5},
]


def workload(name: str, namespace: str = "ml", **gpu: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "namespace": namespace, "serviceAccount": name}
    if gpu:
        out["gpu"] = gpu
    return out


def stack(
    tmp_path: Path, workloads: list[dict[str, Any]], *, pools: list[dict[str, Any]] = POOLS, **in_cluster: bool
) -> Path:
    doc = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    bp = doc["config"]["ml-platform:blueprint"]
    bp["gpuPools"] = copy.deepcopy(pools)
    bp["workloads"] = workloads
    if in_cluster:
        bp["cluster"] = {"inCluster": in_cluster}
    path = tmp_path / "Pulumi.aws-dev.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def load(path: Path) -> Blueprint:
    return load_stack_file(path).blueprint


def shares(bp: Blueprint) -> dict[str, tuple[tuple[str, ...], dict[str, int]]]:
    return {w.name: (w.gpu.pools, w.gpu.share_percent) for w in bp.workloads}


def refused(path: Path, *lines: str) -> None:
    result = mlbp("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{path}: {line}" for line in lines]


# --- loader defaults ------------------------------------------------------------------------------


def test_in_cluster_defaults_to_on_without_the_engine(tmp_path: Path) -> None:
    layer = load(stack(tmp_path, [workload("a1")])).cluster.in_cluster
    assert (layer.enabled, layer.distributed_engine) == (True, False)
    layer = load(stack(tmp_path, [workload("a1")], distributedEngine=True)).cluster.in_cluster
    assert (layer.enabled, layer.distributed_engine) == (True, True)
    layer = load(stack(tmp_path, [workload("a1")], enabled=False)).cluster.in_cluster
    assert (layer.enabled, layer.distributed_engine) == (False, False)


def test_a_workload_without_gpu_may_use_every_pool_in_an_equal_split(tmp_path: Path) -> None:
    bp = load(stack(tmp_path, [workload("a1"), workload("a2"), workload("a3")]))
    every = ("train", "serve")
    assert shares(bp) == {n: (every, {"train": 33, "serve": 33}) for n in ("a1", "a2", "a3")}


def test_implicit_workloads_split_what_the_explicit_shares_leave(tmp_path: Path) -> None:
    bp = load(stack(tmp_path, [workload("a1", sharePercent=40), workload("a2"), workload("a3")]))
    assert shares(bp) == {
        "a1": (("train", "serve"), {"train": 40, "serve": 40}),
        "a2": (("train", "serve"), {"train": 30, "serve": 30}),
        "a3": (("train", "serve"), {"train": 30, "serve": 30}),
    }


def test_shares_are_per_pool_among_the_workloads_that_may_use_it(tmp_path: Path) -> None:
    bp = load(stack(tmp_path, [workload("a1", pools=["train"], sharePercent=50), workload("a2")]))
    assert shares(bp) == {
        "a1": (("train",), {"train": 50}),
        "a2": (("train", "serve"), {"train": 50, "serve": 100}),
    }


def test_a_workload_may_use_no_pool(tmp_path: Path) -> None:
    bp = load(stack(tmp_path, [workload("a1", pools=[]), workload("a2")]))
    assert shares(bp) == {"a1": ((), {}), "a2": (("train", "serve"), {"train": 100, "serve": 100})}


# --- mlbp validate refusals -----------------------------------------------------------------------


def test_unknown_pool_is_refused(tmp_path: Path) -> None:
    path = stack(tmp_path, [workload("a1", pools=["train", "nope"])])
    refused(path, "$.workloads[0].gpu.pools[1]: no GPU pool named 'nope' (gpuPools: train, serve)")


def test_shares_over_100_percent_are_refused(tmp_path: Path) -> None:
    path = stack(
        tmp_path, [workload("a1", pools=["train"], sharePercent=70), workload("a2", pools=["train"], sharePercent=40)]
    )
    refused(
        path,
        "$.workloads[1].gpu.sharePercent: shares of GPU pool 'train' add up to 110% "
        "(workloads[0] 70%, workloads[1] 40%); at most 100%",
    )


@pytest.mark.parametrize(("explicit", "implicit"), [(100, 1), (99, 2)])
def test_explicit_shares_that_leave_nothing_for_implicit_workloads_are_refused(
    tmp_path: Path, explicit: int, implicit: int
) -> None:
    workloads = [workload("a0", pools=["train"], sharePercent=explicit)]
    workloads += [workload(f"b{i}", pools=["train"]) for i in range(implicit)]
    refused(
        stack(tmp_path, workloads),
        f"$.workloads[1].gpu: explicit shares of GPU pool 'train' leave {100 - explicit}% for {implicit} workload(s) "
        "without one: give them a sharePercent or lower the others",
    )


@pytest.mark.parametrize("namespace", ["default", "kube-system", "kube-public", "kube-node-lease"])
def test_initial_namespaces_are_refused(tmp_path: Path, namespace: str) -> None:
    refused(
        stack(tmp_path, [workload("a1", namespace)]),
        f"$.workloads[0].namespace: '{namespace}' exists in every cluster and the cluster layer would put a "
        "deny-all policy and a GPU quota on it: use a namespace of the workload's own",
    )


@pytest.mark.parametrize("chart", sorted(k for k, c in load_charts().items() if c.namespace not in ("kube-system",)))
def test_the_layer_namespaces_are_refused(tmp_path: Path, chart: str) -> None:
    namespace = load_charts()[chart].namespace
    refused(
        stack(tmp_path, [workload("a1", namespace)]),
        f"$.workloads[0].namespace: '{namespace}' is the cluster layer's namespace for {chart}: use another",
    )


def test_distributed_engine_without_the_layer_is_refused(tmp_path: Path) -> None:
    refused(
        stack(tmp_path, [workload("a1")], enabled=False, distributedEngine=True),
        "$.cluster.inCluster.distributedEngine: needs inCluster.enabled (the engine is part of the cluster layer)",
    )


def test_with_the_layer_off_the_namespace_is_not_the_layers_business(tmp_path: Path) -> None:
    result = mlbp("validate", str(stack(tmp_path, [workload("a1", "default")], enabled=False)))
    assert (result.exit_code, result.stderr) == (0, "")


def test_a_valid_gpu_block_passes(tmp_path: Path) -> None:
    path = stack(tmp_path, [workload("a1", pools=["train"], sharePercent=60), workload("a2", sharePercent=40)])
    result = mlbp("validate", str(path))
    assert (result.exit_code, result.stderr) == (0, "")


# --- presets ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["training", "inference"])
def test_training_and_inference_presets_turn_the_distributed_engine_on(tmp_path: Path, preset: str) -> None:
    bp = build_preset(
        preset=preset, cloud="aws", region="us-east-1", environment="dev", owner="ml@example.com", cost_center="ml"
    )
    path = tmp_path / f"Pulumi.aws-{preset}.yaml"
    path.write_text(render_stack(bp, schema_ref="schema.json"), encoding="utf-8")
    assert load(path).cluster.in_cluster.distributed_engine is True
