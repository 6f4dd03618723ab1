"""Kubernetes mocks: what the API server and Helm give back (a uid, the namespace defaulted,
a Helm release's status), so references between objects and releases render as in a preview."""

from __future__ import annotations

from typing import Any

from blueprint.engine.mocks.common import MockContext, State, hex_id, uuid_id


def call(m: MockContext, token: str, args: dict[str, Any]) -> dict[str, Any] | None:
    return None


def resource(m: MockContext, typ: str, inputs: State, auto: str) -> tuple[str, dict[str, Any]]:
    if typ == "kubernetes:helm.sh/v3:Release":
        name = str(inputs.get("name") or auto)
        namespace = str(inputs.get("namespace") or "default")
        status = {
            "name": name,
            "namespace": namespace,
            "chart": inputs.get("chart"),
            "version": inputs.get("version"),
            "revision": 1,
            "status": "deployed",
        }
        return f"{namespace}/{name}", {"name": name, "status": status}
    metadata = dict(inputs.get("metadata") or {})
    name = str(metadata.get("name") or auto)
    metadata.setdefault("name", name)
    metadata["uid"] = uuid_id(m.stack, typ, name)
    metadata["resourceVersion"] = str(int(hex_id(m.stack, typ, name, n=6), 16))
    namespaced = "namespace" in metadata
    return (f"{metadata['namespace']}/{name}" if namespaced else name), {"metadata": metadata}
