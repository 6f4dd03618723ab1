"""The distributed engine: the KubeRay operator (RayJob and RayCluster, for distributed
training and batch inference) and JobSet (groups of Jobs started and restarted together, the
API Kubeflow Trainer v2 builds on). Kueue's integrations for both are on (gpu_queues.py), so
a multi-node RayJob or JobSet is admitted whole or not at all.

Why JobSet and not the Kubeflow training operator: the training operator (v1) is superseded
by Kubeflow Trainer v2, which runs on JobSet; JobSet alone gives multi-node PyTorch, JAX and
MPI-style jobs with one small controller, and Trainer can be added on top later."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.charts import helm_release
from components.kubernetes.pools import SYSTEM_NODE_SELECTOR, SYSTEM_TOLERATIONS


@dataclass(frozen=True, kw_only=True)
class DistributedEngineArgs:
    depends_on: tuple[pulumi.Resource, ...] = ()  # Kueue: its webhooks suspend new RayJobs and JobSets


class DistributedEngine(pulumi.ComponentResource):
    kuberay: k8s.helm.v3.Release
    jobset: k8s.helm.v3.Release

    def __init__(self, name: str, args: DistributedEngineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:kubernetes:DistributedEngine", name, None, opts)
        self.kuberay = helm_release(
            f"{name}-kuberay",
            "kuberay-operator",
            values={"nodeSelector": SYSTEM_NODE_SELECTOR, "tolerations": SYSTEM_TOLERATIONS},
            parent=self,
            depends_on=args.depends_on,
        )
        self.jobset = helm_release(
            f"{name}-jobset",
            "jobset",
            values={"controller": {"nodeSelector": SYSTEM_NODE_SELECTOR, "tolerations": SYSTEM_TOLERATIONS}},
            parent=self,
            depends_on=args.depends_on,
        )
        self.register_outputs({"kuberay": self.kuberay.status, "jobset": self.jobset.status})
