"""Mocks for the pulumiverse `time` provider (`time:index/sleep:Sleep`, the waits for Azure's
eventually consistent grants). The provider computes nothing but the id, the RFC 3339 time the
resource was created (the Terraform time provider it bridges sets `id` so), and echoes its
inputs; a missing `destroyDuration` comes back unset."""

from __future__ import annotations

from typing import Any

from blueprint.engine.mocks.common import MockContext, State

CREATED = "2026-01-01T00:00:00Z"


def call(m: MockContext, token: str, args: dict[str, Any]) -> dict[str, Any] | None:
    return None


def resource(m: MockContext, typ: str, state: State, auto: str) -> tuple[str, State]:
    if typ == "time:index/sleep:Sleep":
        return CREATED, {
            "id": CREATED,
            "createDuration": state.get("createDuration"),
            "triggers": state.get("triggers"),
        }
    return auto, {"id": auto}
