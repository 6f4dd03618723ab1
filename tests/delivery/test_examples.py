"""The RayJob examples (`examples/<cloud>/rayjob-gpu.yaml`) fit the shipped prod stacks they
are written for: the namespace, service account and queue of the `trainer` workload, one GPU
that one node of the workload's pools can give, what Kueue requires of a RayJob
(https://kueue.sigs.k8s.io/docs/tasks/run/rayjobs/: `shutdownAfterJobFinishes: true`, at most
17 worker groups), and pod templates that are valid Kubernetes pod specs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from blueprint.loader import load_stack_file
from components.kubernetes.gpu_queues import QUEUE_LABEL
from components.kubernetes.pools import GPU_RESOURCE

ROOT = Path(__file__).resolve().parents[2]
CLOUDS = ("aws", "gcp", "azure")
KUBERNETES = "1.35.0"  # the oldest minor the shipped stacks pin


def example(cloud: str) -> dict[str, Any]:
    text = (ROOT / "examples" / cloud / "rayjob-gpu.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def templates(job: dict[str, Any]) -> list[dict[str, Any]]:
    cluster = job["spec"]["rayClusterSpec"]
    return [cluster["headGroupSpec"]["template"], *(g["template"] for g in cluster["workerGroupSpecs"])]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_example_targets_the_trainer_workload_of_the_prod_stack(cloud: str) -> None:
    bp = load_stack_file(ROOT / "stacks" / f"Pulumi.{cloud}-prod.yaml").blueprint
    (trainer,) = [w for w in bp.workloads if w.name == "trainer"]
    job = example(cloud)
    assert (job["apiVersion"], job["kind"]) == ("ray.io/v1", "RayJob")
    assert job["metadata"]["namespace"] == trainer.namespace
    assert job["metadata"]["labels"][QUEUE_LABEL] == trainer.name  # its LocalQueue (gpu_queues.py)
    assert trainer.gpu.pools, "the trainer workload must have GPU pools for its queue to exist"
    for template in templates(job):
        assert template["spec"]["serviceAccountName"] == trainer.service_account
    gpus = sum(
        int(c["resources"]["requests"].get(GPU_RESOURCE, 0)) for t in templates(job) for c in t["spec"]["containers"]
    )
    assert gpus == 1
    assert any(bp.gpu_pool(p).accelerator_count >= 1 for p in trainer.gpu.pools)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_example_is_what_kueue_admits(cloud: str) -> None:
    spec = example(cloud)["spec"]
    assert spec["suspend"] is True  # Kueue unsuspends it on admission
    assert spec["shutdownAfterJobFinishes"] is True
    assert len(spec["rayClusterSpec"]["workerGroupSpecs"]) <= 17
    assert "${DATASETS_BUCKET}" in spec["runtimeEnvYAML"]  # filled in by envsubst from the stack output


def test_only_azure_pods_opt_in_to_workload_identity_by_label() -> None:
    """AKS injects the federated token only into pods labelled `azure.workload.identity/use: "true"`
    (https://learn.microsoft.com/azure/aks/workload-identity-overview#pod-labels)."""
    for cloud in CLOUDS:
        labels = [t.get("metadata", {}).get("labels", {}) for t in templates(example(cloud))]
        want = cloud == "azure"
        assert all((x.get("azure.workload.identity/use") == "true") is want for x in labels), cloud


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_pod_templates_are_valid_pod_specs(cloud: str) -> None:
    for template in templates(example(cloud)):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", **template.get("metadata", {})}}
        pod["spec"] = template["spec"]
        kubernetes_validate.validate(pod, KUBERNETES, strict=True)
