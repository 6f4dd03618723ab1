"""GCP mocks: self-links, ids and names as the Google provider computes them.

Add a handler to `_HANDLERS` for a type whose computed outputs a component or policy reads;
every other type gets the generic `id`/`name`/`selfLink`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from blueprint.engine.mocks.common import MockContext, State

Handler = Callable[[MockContext, State, str], tuple[str, State]]
API = "https://www.googleapis.com/compute/v1"


def call(m: MockContext, token: str, args: dict[str, Any]) -> dict[str, Any] | None:
    if token == "gcp:organizations/getProject:getProject":
        return {"projectId": m.gcp_project, "number": "123456789012", "name": m.gcp_project, "id": m.gcp_project}
    return None


def resource(m: MockContext, typ: str, state: State, auto: str) -> tuple[str, State]:
    handler = _HANDLERS.get(typ)
    if handler is not None:
        return handler(m, state, auto)
    name = str(state.get("name") or auto)
    kind = typ.split(":")[2][0].lower() + typ.split(":")[2][1:] + "s"
    rid = f"projects/{m.gcp_project}/{kind}/{name}"
    return rid, {"name": name, "selfLink": f"{API}/{rid}", "project": state.get("project") or m.gcp_project}


_HANDLERS: dict[str, Handler] = {}
