"""Shared pieces of the per-cloud mocks: deterministic ids and the mocks' context."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

State = dict[str, Any]
MOCK_AWS_ACCOUNT = "123456789012"
MOCK_AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
MOCK_AZURE_TENANT = "11111111-1111-1111-1111-111111111111"


def hex_id(*parts: str, n: int = 8) -> str:
    """Deterministic hex from the stack and resource name: plans stay stable across runs."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def uuid_id(*parts: str) -> str:
    h = hex_id(*parts, n=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True, kw_only=True)
class MockContext:
    """What every cloud's mock needs to know about the stack being synthesized."""

    project: str
    stack: str
    region: str
    aws_account: str
    gcp_project: str
    azure_subscription: str


# A resource type's mock: (context, the inputs, the auto-name) -> (id, computed outputs).
Handler = Callable[[MockContext, State, str], tuple[str, State]]
