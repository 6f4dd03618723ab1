"""Azure mocks: ARM resource ids and names as azure-native computes them.

Add a handler to `_HANDLERS` for a type whose computed outputs a component or policy reads;
every other type gets a generic ARM `id` and `name`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from blueprint.engine.mocks.common import MOCK_AZURE_TENANT, MockContext, State, uuid_id

Handler = Callable[[MockContext, State, str], tuple[str, State]]


def call(m: MockContext, token: str, args: dict[str, Any]) -> dict[str, Any] | None:
    if token == "azure-native:authorization:getClientConfig":
        return {
            "subscriptionId": m.azure_subscription,
            "tenantId": MOCK_AZURE_TENANT,
            "clientId": uuid_id(m.stack, "client"),
            "objectId": uuid_id(m.stack, "object"),
        }
    return None


def resource(m: MockContext, typ: str, state: State, auto: str) -> tuple[str, State]:
    handler = _HANDLERS.get(typ)
    if handler is not None:
        return handler(m, state, auto)
    module, kind = typ.split(":")[1], typ.split(":")[2]
    name = str(state.get(f"{kind[0].lower()}{kind[1:]}Name") or state.get("name") or auto)
    group = state.get("resourceGroupName") or "rg"
    scope = f"/subscriptions/{m.azure_subscription}/resourceGroups/{group}"
    rid = f"{scope}/providers/Microsoft.{module.capitalize()}/{kind}s/{name}"
    return rid, {"name": name, "id": rid}


_HANDLERS: dict[str, Handler] = {}
