"""What every cloud's Platform exposes; `__main__.py` exports it the same way for all clouds."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True, kw_only=True)
class PlatformOutputs:
    cluster_name: pulumi.Output[str]
    cluster_endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]  # a secret: it names the cluster's endpoint and CA
    bucket_names: dict[str, pulumi.Output[str]]
    encryption_key: pulumi.Output[str]  # KMS key ARN, Cloud KMS key id, or Key Vault key id
    workload_identities: dict[str, pulumi.Output[str]]  # IAM role ARN, GSA email, or client id
