"""Mocks that answer like the clouds do: each resource gets the computed outputs its provider
would return (ids, ARNs, auto-generated names, self-links, endpoints), so policy documents,
key policies and cross-references render as in a real preview. One module per cloud
(`aws.py`, `gcp.py`, `azure.py`; `time_provider.py` for pulumiverse-time's waits, `kubernetes.py`
for the cluster layer), each with
`call(ctx, token, args)` for invokes and `resource(ctx, type, inputs, autoname)` for
registrations.

Values are deterministic (derived from the stack and resource name), so plans and reports
are stable across runs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from blueprint.engine.mocks import aws, azure, gcp, kubernetes, time_provider
from blueprint.engine.mocks.common import (
    MOCK_AWS_ACCOUNT,
    MOCK_AZURE_SUBSCRIPTION,
    MockContext,
    State,
    hex_id,
)

_CLOUDS: dict[str, ModuleType] = {
    "aws": aws,
    "gcp": gcp,
    "azure-native": azure,
    "time": time_provider,
    "kubernetes": kubernetes,
}
# Computed by the provider even when the program passed a value of the same name.
_ALWAYS_COMPUTED = {"arn", "id"}


def context_from_config(project: str, stack: str, config: Mapping[str, Any]) -> MockContext:
    bp = config.get("ml-platform:blueprint")
    aws_block = bp.get("aws") if isinstance(bp, dict) else None
    account = aws_block.get("accountId") if isinstance(aws_block, dict) else None
    region = _text(config, "aws:region") or _text(config, "gcp:region") or _text(config, "azure-native:location")
    return MockContext(
        project=project,
        stack=stack,
        region=region or "us-east-1",
        # The mocked credentials' account: the blueprint's pinned one unless a test says
        # otherwise (MLBP_MOCK_AWS_ACCOUNT), to exercise the program's account check offline.
        aws_account=os.environ.get("MLBP_MOCK_AWS_ACCOUNT") or str(account or MOCK_AWS_ACCOUNT),
        gcp_project=_text(config, "gcp:project") or "mock-project",
        azure_subscription=_text(config, "azure-native:subscriptionId") or MOCK_AZURE_SUBSCRIPTION,
    )


def _text(config: Mapping[str, Any], key: str) -> str | None:
    """A plain string setting; a `secure:` one (a ciphertext we never decrypt) counts as unset."""
    value = config.get(key)
    return value if isinstance(value, str) and value else None


class PlatformMocks(Mocks):
    def __init__(self, *, project: str, stack: str, config: Mapping[str, Any]) -> None:
        self.ctx = context_from_config(project, stack, config)

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]  # the runtime accepts a plain dict
        module = _CLOUDS.get(args.token.split(":")[0])
        result: dict[str, Any] | None = module.call(self.ctx, args.token, dict(args.args)) if module else None
        return result or {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        auto = f"{args.name}-{hex_id(self.ctx.stack, args.typ, args.name, n=7)}"
        state: State = dict(args.inputs)
        module = _CLOUDS.get(args.typ.split(":")[0])
        if module is None:
            return auto, state
        rid, extra = module.resource(self.ctx, args.typ, state, auto)
        state.update({k: v for k, v in extra.items() if k not in state or k in _ALWAYS_COMPUTED})
        return rid, state
