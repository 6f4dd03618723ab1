"""The Pulumi program: load this stack's blueprint, build the platform, export its outputs.

`pulumi up -s <stack>` runs this with the stack's config; `mlbp plan/check` run it offline
under mocks. Both go through the same loader and components."""

from __future__ import annotations

import importlib

import pulumi

from blueprint.errors import BlueprintError
from blueprint.loader import CONFIG_KEY, parse_blueprint
from blueprint.model import Blueprint
from blueprint.project import stack_source
from blueprint.semantics import PROVIDER_KEYS
from components.common import register_stack_transforms
from components.common.outputs import PlatformOutputs

PROJECT = pulumi.get_project()
STACK = pulumi.get_stack()
SOURCE = stack_source(STACK)  # stacks/Pulumi.<stack>.yaml, or the file `mlbp` read


def load_blueprint() -> Blueprint:
    project, key = CONFIG_KEY.split(":")
    raw = pulumi.Config(project).require_object(key)
    provider_config = {}
    for full_key in PROVIDER_KEYS:  # the same keys `mlbp validate` reads from the stack file
        namespace, name = full_key.split(":")
        value = pulumi.Config(namespace).get(name)
        if value:
            provider_config[full_key] = value
    try:
        return parse_blueprint(raw, SOURCE, provider_config=provider_config)
    except BlueprintError as exc:
        # One line per problem, as `mlbp validate` prints them; no traceback for bad input.
        raise pulumi.RunError(f"invalid blueprint:\n{exc}") from None


bp = load_blueprint()
register_stack_transforms(bp, STACK)

try:  # components/<cloud>/platform.py: one per cloud, all with the same constructor and outputs
    platform_module = importlib.import_module(f"components.{bp.cloud}.platform")
except ModuleNotFoundError as exc:
    if exc.name not in (f"components.{bp.cloud}", f"components.{bp.cloud}.platform"):
        raise  # a broken import inside an existing platform is a bug, not a missing cloud
    raise pulumi.RunError(
        f"{SOURCE}: cloud '{bp.cloud}' is not implemented yet in this version of the template"
    ) from None

outputs: PlatformOutputs = platform_module.Platform("platform", bp, project=PROJECT, stack=STACK).outputs
pulumi.export("cloud", bp.cloud)
pulumi.export("clusterName", outputs.cluster_name)
pulumi.export("clusterEndpoint", outputs.cluster_endpoint)
pulumi.export("kubeconfig", outputs.kubeconfig)
pulumi.export("bucketNames", outputs.bucket_names)
pulumi.export("encryptionKey", outputs.encryption_key)
pulumi.export("workloadIdentities", outputs.workload_identities)
